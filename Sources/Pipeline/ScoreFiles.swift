import ASPECTS
import Foundation
import ImageCore
import NIfTI

/// Scores NIfTI files and writes the report: the one call the `score` command and the end-to-end
/// pipeline share. The label map is read as unsigned 8-bit labels (values outside 1-20 are ignored);
/// the probability map, if any, is the segmentation's softmax on the CT grid (11 or 21 components).
public enum ScoreFiles {
    public static func run(ct ctURL: URL, labels labelsURL: URL, probabilities probURL: URL? = nil, output: URL,
                           scorer: ASPECTSScorer = ASPECTSScorer(), software: String = "DeepStroke") throws -> (result: ASPECTSResult, files: [URL]) {
        let ct: Volume<Float> = try NIfTIFile.readVolume(ctURL)
        let labels: Volume<UInt8> = try NIfTIFile.readVolume(labelsURL)
        guard ct.components == 1 else { throw ASPECTSError.invalidArgument("\(ctURL.path) has \(ct.components) volumes; a single CT volume is needed") }
        guard labels.components == 1 else { throw ASPECTSError.invalidArgument("\(labelsURL.path) has \(labels.components) volumes; a single label map is needed") }
        guard ct.geometry.isClose(to: labels.geometry, tolerance: 1e-3) else {
            throw ASPECTSError.gridMismatch("\(labelsURL.lastPathComponent) (\(labels.size.x)x\(labels.size.y)x\(labels.size.z)) is not on the grid of \(ctURL.lastPathComponent) (\(ct.size.x)x\(ct.size.y)x\(ct.size.z)); resample it with `deepstroke resample --like` first")
        }
        let probabilities: Volume<Float>? = try probURL.map { try NIfTIFile.readVolume($0) }
        let result = try scorer.score(ct: ct, labels: labels, probabilities: probabilities)
        var inputs = ["ct": ctURL.path, "labels": labelsURL.path]
        if let p = probURL { inputs["probabilities"] = p.path }
        let report = try ASPECTSReport(result: result, ct: ct, labels: labels, inputs: inputs, software: software)
        return (result, try report.write(to: output))
    }
}
