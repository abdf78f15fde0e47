import ASPECTS
import DICOM
import Foundation
import ImageCore
import NIfTI

/// One scan ready for segmentation: HU on its native grid, the legacy overlay if the archive had one,
/// and (for DICOM input) the source series that derived DICOM objects must reference.
public struct LoadedScan: Sendable {
    public var volume: Volume<Float>
    public var overlay: Volume<UInt8>?
    public var source: SourceSeries?
    /// What was chosen and why, in words (no identifiers).
    public var summary: String
    /// Largest spacing between acquired slices along their normal (mm), when known: the converted
    /// grid may be finer than what was acquired.
    public var acquiredSpacingMM: Double? = nil

    /// Loads a NIfTI file (`.nii`, `.nii.gz`) as is, or a DICOMDIR / DICOM folder / file through series
    /// selection and volume assembly. With several studies the first one with a usable series is taken
    /// (and the others are named in `log`); with several parts (spacing changes) the longest.
    public static func load(_ url: URL, log: (String) -> Void = { _ in }) throws -> LoadedScan {
        let name = url.lastPathComponent.lowercased()
        if name.hasSuffix(".nii") || name.hasSuffix(".nii.gz") {
            let v = try NIfTIFile.readVolume(url, as: Float.self)
            guard v.components == 1 else { throw PipelineError.input(path: url.path, problem: "has \(v.components) volumes; one CT volume is needed") }
            return LoadedScan(volume: v, overlay: nil, source: nil,
                              summary: "NIfTI \(v.size.x)x\(v.size.y)x\(v.size.z) \(v.geometry.orientationCode)")
        }
        let index = try DICOMIndex.build(url)
        guard !index.images.isEmpty else {
            throw PipelineError.input(path: url.path, problem: "no DICOM image found (\(index.skipped.count) file(s) skipped)")
        }
        let choices = SeriesSelector.choose(SeriesGrouping.group(index.images))
        guard let choice = choices.first(where: { $0.selected != nil }), let sel = choice.selected else {
            throw NotAssessableInput(choices: choices)
        }
        if choices.count > 1 { log("\(choices.count) studies in the input; using study \(SeriesReport.studyToken(choice.study.studyInstanceUID))") }
        let group = choice.study.series[sel]
        let parts = try VolumeAssembler.assemble(group)
        guard let part = parts.max(by: { $0.data.geometry.size.z < $1.data.geometry.size.z }) else {
            throw PipelineError.input(path: url.path, problem: "series \(group.label) gave no volume")
        }
        if parts.count > 1 { log("series \(group.label) has \(parts.count) uniformly spaced parts; using the longest (\(part.data.geometry.size.z) slices)") }
        for w in part.warnings { log("warning: \(w)") }
        let source = try SourceSeries.read(slicePaths: part.slicePaths)
        return LoadedScan(volume: part.data.asFloat, overlay: part.overlay, source: source, summary: choice.summary)
    }
}

/// The input holds images, but no series that ASPECTS can be read on (only a contrast study, another
/// body part, scouts or screenshots): the scan is not assessable, which is an answer, not an error.
public struct NotAssessableInput: Error, CustomStringConvertible {
    public var findings: [GateFinding]

    init(choices: [SeriesSelector.StudyChoice]) {
        var findings: [GateFinding] = []
        for c in choices {
            for (n, v) in c.verdicts.enumerated() where v.status == .excluded {
                let text = v.reasons.joined(separator: "; ")
                let gate = text.contains("contrast") ? "contrast" : (text.contains("not a head") ? "head" : "series")
                findings.append(GateFinding(gate: gate, severity: .refuse,
                                            message: "series \(c.study.series[n].label) excluded: \(text)"))
            }
        }
        let summary = "no non-contrast axial head CT series in the input"
        if findings.contains(where: { $0.gate == "contrast" }) && !findings.contains(where: { $0.gate == "head" }) {
            findings.insert(GateFinding(gate: "contrast", severity: .refuse,
                                        message: "\(summary): only contrast-enhanced series; ASPECTS is read on non-contrast CT"), at: 0)
        } else {
            findings.insert(GateFinding(gate: "series", severity: .refuse, message: summary), at: 0)
        }
        self.findings = findings
    }

    public var description: String { findings.map(\.message).joined(separator: "; ") }
}
