import ASPECTS
import Atlas
import DICOM
import Foundation
import ImageCore
import NIfTI
import Rendering

/// `deepstroke run`: input (DICOMDIR, DICOM folder, NIfTI) -> series selection and conversion ->
/// segmentation (atlas label transfer and/or U-Net) -> ASPECTS score and report -> DICOM SEG (and
/// optionally the report images as Secondary Capture). Each step is timed and announced through `step`.
///
/// Output folder: `ct.nii.gz` (the converted scan), then per method `labels.nii.gz` (+ sidecar), the
/// report files (`aspects.json`, `regions.csv`, `ganglionic.png`, `supraganglionic.png`, `report.html`)
/// and, for DICOM input, `segmentation.dcm` (+ `secondary_capture/`). One method writes into the
/// output folder itself; `both` into `atlas/` and `unet/`.
public struct EndToEndRun {
    public enum Method: String, CaseIterable, Sendable { case atlas, unet, both }

    public struct Options {
        public var method: Method = .atlas
        public var secondaryCapture = false
        public var software = "DeepStroke"
        public init() {}
    }

    public struct MethodResult {
        public var method: String
        public var folder: URL
        public var result: ASPECTSResult
        public var reportFiles: [URL]
        public var segmentation: URL?
        public var secondaryCaptures: [URL]
    }

    public struct Outcome {
        public var scan: URL
        public var methods: [MethodResult]
        public var steps: [(name: String, seconds: Double)]
    }

    public var options: Options
    /// Makes the atlas labeler when the atlas path runs (loading or building the atlas is a step of its own).
    public var atlasLabeler: (() throws -> ScanLabeler)?
    public var segmenter: (() throws -> ScanSegmenter)?
    /// Receives "step started" / "step done" lines.
    public var log: (String) -> Void

    public init(options: Options, atlasLabeler: (() throws -> ScanLabeler)?, segmenter: (() throws -> ScanSegmenter)?,
                log: @escaping (String) -> Void = { _ in }) {
        self.options = options
        self.atlasLabeler = atlasLabeler
        self.segmenter = segmenter
        self.log = log
    }

    public func run(input: URL, output: URL) throws -> Outcome {
        var steps: [(String, Double)] = []
        func step<T>(_ name: String, _ body: () throws -> T) throws -> T {
            log("\(name) ...")
            let t0 = Date()
            let value = try body()
            let dt = Date().timeIntervalSince(t0)
            steps.append((name, dt))
            log("\(name) done in \(String(format: "%.1f", dt)) s")
            return value
        }
        try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        let scan = try step("select series and convert") { try LoadedScan.load(input, log: log) }
        log("  \(scan.summary)")
        let ctURL = output.appendingPathComponent("ct.nii.gz")
        try NIfTIFile.write(scan.volume, to: ctURL)

        var runs: [(String, () throws -> (Volume<UInt8>, Volume<Float>?))] = []
        if options.method != .unet {
            guard let make = atlasLabeler else { throw PipelineError.unavailable("the atlas method needs an atlas") }
            runs.append(("atlas", {
                let labeler = try step("load atlas", make)
                let l = try step("atlas label transfer (\(labeler.name))") { try labeler.label(scan.volume, overlay: scan.overlay, name: "scan") }
                return (l.labels, nil)
            }))
        }
        if options.method != .atlas {
            guard let make = segmenter else {
                throw PipelineError.unavailable("the U-Net method needs a model folder (--model) with config.json and model.safetensors")
            }
            runs.append(("unet", {
                let s = try step("load model", make)
                let o = try step("U-Net segmentation (\(s.name))") { try s.segment(scan.volume) }
                return (o.labels, o.probabilities)
            }))
        }
        var results: [MethodResult] = []
        for (name, segment) in runs {
            let folder = options.method == .both ? output.appendingPathComponent(name) : output
            let (labels, probabilities) = try segment()
            let labelsURL = folder.appendingPathComponent("labels.nii.gz")
            try NIfTIFile.write(labels, to: labelsURL)
            try LabelSidecar.write(for: labelsURL, extra: ["method": name, "space": "native"])
            var probURL: URL? = nil
            if let p = probabilities {
                probURL = folder.appendingPathComponent("probabilities.nii.gz")
                try NIfTIFile.write(p, to: probURL!)
            }
            let (result, files) = try step("score and report (\(name))") {
                try ScoreFiles.run(ct: ctURL, labels: labelsURL, probabilities: probURL, output: folder, software: options.software)
            }
            log("  ASPECTS right \(result.score(.right)), left \(result.score(.left)); affected side \(result.affectedSide?.rawValue ?? "none")")
            var seg: URL? = nil
            var captures: [URL] = []
            if let source = scan.source {
                seg = try step("DICOM SEG (\(name))") {
                    var w = SegmentationWriter()
                    w.algorithmName = "DeepStroke \(name)"
                    w.algorithmVersion = options.software
                    if name == "unet" { w.algorithmFamily = .init("123110", "DCM", "Artificial Intelligence") }
                    let u = folder.appendingPathComponent("segmentation.dcm")
                    let o = try w.write(labels: labels, segments: ASPECTSSegments.all, source: source, to: u)
                    log("  \(o.segments) segments, \(o.frames) frames")
                    return u
                }
                if options.secondaryCapture {
                    captures = try step("DICOM Secondary Capture (\(name))") {
                        let pictures: [SecondaryCaptureWriter.Picture] = try ["ganglionic.png", "supraganglionic.png"].map { f in
                            let png = try PNGDecoder.decode(Data(contentsOf: folder.appendingPathComponent(f)))
                            let rgb = png.colorType.channels == 3 ? png.pixels : png.pixels.flatMap { [$0, $0, $0] }
                            return SecondaryCaptureWriter.Picture(width: png.width, height: png.height, rgb: rgb,
                                                                  description: "ASPECTS report, \(f.dropLast(4)) level (\(name))")
                        }
                        var w = SecondaryCaptureWriter()
                        w.softwareVersion = options.software
                        return try w.write(pictures, source: source, to: folder.appendingPathComponent("secondary_capture"))
                    }
                }
            } else {
                log("  no DICOM SEG: the input is not DICOM, so there is no source series to reference")
            }
            results.append(MethodResult(method: name, folder: folder, result: result, reportFiles: files, segmentation: seg,
                                        secondaryCaptures: captures))
        }
        return Outcome(scan: ctURL, methods: results, steps: steps)
    }
}
