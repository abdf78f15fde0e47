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
///
/// Quality gates (`QualityGates`) decide what may be scored: a scan refused on its image (no usable
/// series, not a head, a phantom, contrast, slices too thick) gets only `aspects.json` with
/// `"status": "not_assessable"` and a `report.html` that says why; a method's labels that fail a gate
/// leave the regions concerned (and so their hemisphere) without a score. Scoring and the report work
/// on the volumes in memory; the files written are outputs only.
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
        public var scan: URL?
        public var methods: [MethodResult]
        /// Set when the scan was refused before any method ran (the report then says why, with no score).
        public var refusal: [GateFinding]?
        public var steps: [(name: String, seconds: Double)]

        /// Not assessable: refused before labelling, or no method could score either hemisphere.
        public var notAssessable: Bool {
            refusal != nil || (!methods.isEmpty && methods.allSatisfy { $0.result.status == .notAssessable })
        }
    }

    public var options: Options
    /// Makes the atlas labeler when the atlas path runs (loading or building the atlas is a step of its own).
    public var atlasLabeler: (() throws -> ScanLabeler)?
    public var segmenter: (() throws -> ScanSegmenter)?
    public var gates: QualityGates
    /// Receives "step started" / "step done" lines.
    public var log: (String) -> Void

    public init(options: Options, atlasLabeler: (() throws -> ScanLabeler)?, segmenter: (() throws -> ScanSegmenter)?,
                gates: QualityGates = QualityGates(), log: @escaping (String) -> Void = { _ in }) {
        self.options = options
        self.atlasLabeler = atlasLabeler
        self.segmenter = segmenter
        self.gates = gates
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
        let inputs = ["input": input.path]
        func refuse(_ findings: [GateFinding], scan: URL?) throws -> Outcome {
            for f in findings { log("  not assessable (\(f.gate)): \(f.message)") }
            try NotAssessableReport(reasons: findings, inputs: inputs, software: options.software).write(to: output)
            return Outcome(scan: scan, methods: [], refusal: findings, steps: steps)
        }
        let scan: LoadedScan
        do {
            scan = try step("select series and convert") { try LoadedScan.load(input, log: log) }
        } catch let refusal as NotAssessableInput {
            return try refuse(refusal.findings, scan: nil)
        }
        log("  \(scan.summary)")
        let ctURL = output.appendingPathComponent("ct.nii.gz")
        try NIfTIFile.write(scan.volume, to: ctURL)

        let image = try step("image quality gates") { gates.image(scan.volume, acquiredSpacingMM: scan.acquiredSpacingMM) }
        let imageFindings = image.findings
        if imageFindings.contains(where: { $0.severity == .refuse }) { return try refuse(imageFindings, scan: ctURL) }
        let brainML = image.brain?.brainVolumeML

        typealias Labelled = (labels: Volume<UInt8>, probabilities: Volume<Float>?, expected: [Double]?, qa: LabelingQA?)
        var runs: [(String, () throws -> Labelled)] = []
        if options.method != .unet {
            guard let make = atlasLabeler else { throw PipelineError.unavailable("the atlas method needs an atlas") }
            runs.append(("atlas", {
                let labeler = try step("load atlas", make)
                let l = try step("atlas label transfer (\(labeler.name))") { try labeler.label(scan.volume, overlay: scan.overlay, name: "scan") }
                let q = l.qa
                log(String(format: "  brain %.0f mL; NCC after affine %.3f, final %.3f; affine scales %@; Jacobian min %.2f",
                           q.brainVolumeML, q.nccAffine ?? .nan, q.nccFinal ?? .nan,
                           (q.affineScales ?? []).map { String(format: "%.2f", $0) }.joined(separator: "/"), q.jacobianMin ?? .nan))
                if let r = q.overlayRefinement { log("  overlay refinement \(r): \(q.overlayRefinementReason ?? "")") }
                let expected = l.qa.expectedRegionVolumesML.map { e in (0...20).map { e[String($0)] ?? 0 } }
                return (l.labels, nil, expected, l.qa)
            }))
        }
        if options.method != .atlas {
            guard let make = segmenter else {
                throw PipelineError.unavailable("the U-Net method needs a model folder (--model) with config.json and model.safetensors")
            }
            runs.append(("unet", {
                let s = try step("load model", make)
                let o = try step("U-Net segmentation (\(s.name))") { try s.segment(scan.volume) }
                if let q = o.qa {
                    log(String(format: "  brain %.0f mL; NCC after affine %.3f; affine scales %@", q.brainVolumeML, q.nccAffine ?? .nan,
                               (q.affineScales ?? []).map { String(format: "%.2f", $0) }.joined(separator: "/")))
                    let expected = q.expectedRegionVolumesML.map { e in (0...20).map { e[String($0)] ?? 0 } }
                    return (o.labels, o.probabilities, expected, q)
                }
                return (o.labels, o.probabilities, brainML.map(ExpectedRegionVolumes.scaled(toBrainML:)), nil)
            }))
        }
        var labelled: [(name: String, folder: URL, value: Labelled)] = []
        for (name, segment) in runs {
            let folder = options.method == .both ? output.appendingPathComponent(name) : output
            labelled.append((name, folder, try segment()))
        }
        var agreement: [GateFinding] = []
        if labelled.count == 2 {
            let a = gates.agreement(labelled[0].value.labels, labelled[1].value.labels)
            agreement = a.findings
            let scored = a.dice.compactMap { $0 }
            if !scored.isEmpty { log(String(format: "  atlas / U-Net agreement: mean Dice %.2f over %d regions", scored.reduce(0, +) / Double(scored.count), scored.count)) }
        }

        var results: [MethodResult] = []
        for (name, folder, l) in labelled {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let labelsURL = folder.appendingPathComponent("labels.nii.gz")
            try NIfTIFile.write(l.labels, to: labelsURL)
            try LabelSidecar.write(for: labelsURL, extra: ["method": name, "space": "native"])
            var inputs = ["ct": ctURL.path, "labels": labelsURL.path]
            if let p = l.probabilities {
                let probURL = folder.appendingPathComponent("probabilities.nii.gz")
                try NIfTIFile.write(p, to: probURL)
                inputs["probabilities"] = probURL.path
            }
            let findings = imageFindings + gates.labels(l.labels, expectedML: l.expected, qa: l.qa) + agreement
            let (result, report) = try step("score and report (\(name))") { () -> (ASPECTSResult, ASPECTSReport?) in
                var result = try ASPECTSScorer().score(ct: scan.volume, labels: l.labels, probabilities: l.probabilities)
                result.assessment = Assessment(findings: findings)
                do {
                    return (result, try ASPECTSReport(result: result, ct: scan.volume, labels: l.labels, inputs: inputs, software: options.software))
                } catch ASPECTSError.noRegions {
                    // No label at either reading level: nothing to picture, and nothing to score.
                    result.assessment.findings.append(GateFinding(gate: "coverage", severity: .refuse,
                                                                  message: "no ASPECTS region found at either reading level"))
                    return (result, nil)
                }
            }
            let files: [URL]
            if let report = report {
                files = try report.write(to: folder)
            } else {
                files = try NotAssessableReport(reasons: result.assessment.findings.filter { $0.severity == .refuse },
                                                inputs: inputs, software: options.software).write(to: folder)
            }
            for f in result.assessment.findings where f.severity == .refuse { log("  \(name): not assessable (\(f.gate)): \(f.message)") }
            func text(_ s: Int?) -> String { s.map(String.init) ?? "n/a" }
            log("  ASPECTS right \(text(result.score(.right))), left \(text(result.score(.left))); status \(result.status.rawValue)")
            var seg: URL? = nil
            var captures: [URL] = []
            if let source = scan.source, result.status != .notAssessable, let report = report {
                seg = try step("DICOM SEG (\(name))") {
                    var w = SegmentationWriter()
                    w.algorithmName = "DeepStroke \(name)"
                    w.algorithmVersion = options.software
                    if name == "unet" { w.algorithmFamily = .init("123110", "DCM", "Artificial Intelligence") }
                    let u = folder.appendingPathComponent("segmentation.dcm")
                    let o = try w.write(labels: try scan.onSourceSlices(l.labels), segments: ASPECTSSegments.all, source: source, to: u)
                    log("  \(o.segments) segments, \(o.frames) frames")
                    return u
                }
                if options.secondaryCapture {
                    captures = try step("DICOM Secondary Capture (\(name))") {
                        let pictures = report.images.map { level in
                            SecondaryCaptureWriter.Picture(width: level.image.width, height: level.image.height, rgb: level.image.pixels,
                                                           description: "ASPECTS report, \(level.level.rawValue) level (\(name))")
                        }
                        var w = SecondaryCaptureWriter()
                        w.softwareVersion = options.software
                        return try w.write(pictures, source: source, to: folder.appendingPathComponent("secondary_capture"))
                    }
                }
            } else if scan.source == nil {
                log("  no DICOM SEG: the input is not DICOM, so there is no source series to reference")
            } else {
                log("  no DICOM SEG: nothing of this scan could be scored")
            }
            results.append(MethodResult(method: name, folder: folder, result: result, reportFiles: files, segmentation: seg,
                                        secondaryCaptures: captures))
        }
        return Outcome(scan: ctURL, methods: results, refusal: nil, steps: steps)
    }
}
