import Foundation
import ImageCore
import NIfTI

/// Writes a label transfer: the native labels with their sidecar, and the work folder
///
///     brain.nii.gz, brain_mask.nii.gz          stripped scan and mask (scan grid)
///     registered.nii.gz                        stripped scan on the atlas grid
///     registration_target.nii.gz               what it was registered to (atlas grid)
///     registered_labels.nii.gz (+ .json)       atlas labels within the registered brain (atlas grid)
///     labels_image_only.nii.gz (+ .json)       with an overlay: the labels without the refinement
///     transform_0GenericAffine.txt, transform_1Warp.nii.gz, transform_1InverseWarp.nii.gz
///     qa.json, labels_qa.png
///
/// Every file is written atomically, the labels file last, so a labels file on disk always has its
/// work folder complete beside it.
public enum LabelTransferOutput {
    public static let reportName = "qa.json"
    public static let pictureName = "labels_qa.png"

    /// Writes the work folder (when given) and then `labelsURL` and its sidecar. `scan` is the original
    /// CT (for the picture). Returns the files written.
    @discardableResult
    public static func write(_ result: LabelTransferResult, scan: Volume<Float>, labelsURL: URL, workDirectory: URL?,
                             atlas: Atlas, generator: String) throws -> [URL] {
        var written: [URL] = []
        func wrap<T>(_ url: URL, _ body: () throws -> T) throws -> T {
            do { return try body() } catch let e as AtlasError { throw e } catch {
                throw AtlasError(.output, file: url.path, problem: "\(error)")
            }
        }
        let extra = sidecarFields(result, atlas: atlas, generator: generator, workDirectory: workDirectory)
        if let dir = workDirectory {
            try wrap(dir) { try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true) }
            let files: [(String, () throws -> Void)] = [
                ("brain.nii.gz", { try NIfTIFile.write(result.brain, to: dir.appendingPathComponent("brain.nii.gz")) }),
                ("brain_mask.nii.gz", { try NIfTIFile.write(result.brainMask, to: dir.appendingPathComponent("brain_mask.nii.gz")) }),
                ("registered.nii.gz", { try NIfTIFile.write(result.registeredScan, to: dir.appendingPathComponent("registered.nii.gz")) }),
                ("registration_target.nii.gz", { try NIfTIFile.write(result.registrationTarget, to: dir.appendingPathComponent("registration_target.nii.gz")) }),
            ]
            for (name, body) in files {
                let u = dir.appendingPathComponent(name)
                try wrap(u, body)
                written.append(u)
            }
            let reg = dir.appendingPathComponent("registered_labels.nii.gz")
            try wrap(reg) { try NIfTIFile.write(result.registeredLabels, to: reg) }
            written.append(reg)
            written.append(try LabelSidecar.write(for: reg, extra: extra.merging(["space": "atlas"]) { $1 }))
            if let io = result.imageOnlyLabels {
                let u = dir.appendingPathComponent("labels_image_only.nii.gz")
                try wrap(u) { try NIfTIFile.write(io, to: u) }
                written.append(u)
                written.append(try LabelSidecar.write(for: u, extra: extra.merging(["space": "scan", "overlayRefinement": "not applied (image registration only)"]) { $1 }))
            }
            written += try wrap(dir) { try result.transforms.write(to: dir) }
            let qa = dir.appendingPathComponent(reportName)
            try wrap(qa) { try AtomicFile.write(result.report.jsonData(), to: qa) }
            written.append(qa)
            let png = dir.appendingPathComponent(pictureName)
            try wrap(png) { try LabelTransferPicture.render(scan: scan, labels: result.labels).writePNG(to: png) }
            written.append(png)
        }
        try wrap(labelsURL) { try NIfTIFile.write(result.labels, to: labelsURL) }
        written.append(labelsURL)
        written.append(try LabelSidecar.write(for: labelsURL, extra: extra.merging(["space": "scan"]) { $1 }))
        return written
    }

    /// What the label sidecars add to the convention: provenance and the QA headline figures.
    static func sidecarFields(_ r: LabelTransferResult, atlas: Atlas, generator: String, workDirectory: URL?) -> [String: Any] {
        let q = r.report
        var qa: [String: Any] = [
            "nccIdentity": q.similarity.identity, "nccAffine": q.similarity.affine, "nccFinal": q.similarity.final,
            "brainVolumeML": q.brainVolumeML, "missingRegions": q.missingRegions,
        ]
        if let j = q.jacobian { qa["jacobianMinimum"] = j.minimum; qa["jacobianNonPositiveVoxels"] = j.nonPositiveVoxels }
        if let c = q.inverseConsistency { qa["inverseConsistencyMeanMM"] = c.meanMM }
        var fields: [String: Any] = [
            "method": "atlas label transfer: skull strip, affine + SyN (LNCC) to the atlas template, labels through the inverse transforms with label voting, within the brain mask",
            "source": q.scan,
            "atlas": atlas.directory.path,
            "preset": q.preset ?? "custom",
            "generator": generator,
            "created": ISO8601DateFormatter().string(from: Date()),
            "qa": qa,
        ]
        if let refinement = q.refinement {
            fields["overlayRefinement"] = refinement.applied ? "applied" : "rejected"
            fields["overlayRefinementReason"] = refinement.reason
        }
        if let w = workDirectory { fields["workDirectory"] = w.path }
        return fields
    }
}
