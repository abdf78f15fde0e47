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
    /// How the acquired slices were put on the uniform grid, when they were (DICOM input).
    public var resampling: UniformResampling? = nil

    /// Loads a NIfTI file (`.nii`, `.nii.gz`) as is, or a DICOMDIR / DICOM folder / file through series
    /// selection and volume assembly. With several studies the first one with a usable series is taken
    /// (and the others are named in `log`); a series with variable spacing becomes one volume over its
    /// whole extent.
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
        let (part, pieces) = try wholeVolume(group, path: url.path)
        if pieces > 1 {
            log("series \(group.label) could not be joined into one volume (\(pieces) pieces: a gap over the bridging limit or a bend); using the piece holding the brain (\(part.data.geometry.size.z) slices)")
        }
        if let r = part.resampling, r.partsJoined > 1 {
            log(String(format: "series %@: %d acquired slices in %d uniformly spaced parts joined onto a uniform %.3f mm grid (largest gap bridged %.2f mm, acquired slices within %.3f mm of a grid slice)",
                       group.label, r.acquiredSlices, r.partsJoined, r.spacingMM, r.largestGapBridgedMM, r.largestOffsetMM))
        }
        for w in part.warnings { log("warning: \(w)") }
        let source = try SourceSeries.read(slicePaths: part.slicePaths)
        return LoadedScan(volume: part.data.asFloat, overlay: part.overlay, source: source, summary: choice.summary,
                          acquiredSpacingMM: acquiredSpacing(part), resampling: part.resampling)
    }

    /// The series as one volume over its whole extent (`VolumeAssembler.assembleWhole`); when it
    /// cannot be joined, the piece that holds the brain, never merely the longest or the lowest. Also
    /// the number of pieces.
    static func wholeVolume(_ group: SeriesGroup, path: String) throws -> (AssembledVolume, Int) {
        let pieces = try VolumeAssembler.assembleWhole(group)
        guard let n = VolumeAssembler.brainPieceIndex(pieces) ?? (pieces.isEmpty ? nil : 0) else {
            throw PipelineError.input(path: path, problem: "series \(group.label) gave no volume")
        }
        return (pieces[n], pieces.count)
    }

    /// A label map on the scan's grid taken back to the acquired slices (in `source` order), for
    /// derived DICOM objects that must reference each source image: each acquired slice takes the grid
    /// slice it lies on (`UniformResampling.acquiredGridIndex`; within 0.1 mm where the spacing allows).
    /// The map itself when the grid is the acquired one.
    public func onSourceSlices(_ labels: Volume<UInt8>) throws -> Volume<UInt8> {
        guard let r = resampling, r.interpolatedSlices > 0 || r.outputSlices != r.acquiredGridIndex.count else { return labels }
        let g = labels.geometry
        let plane = g.size.x * g.size.y
        let n = r.acquiredGridIndex.count
        var geometry = g
        geometry.size.z = n
        if n > 1 { geometry.spacing.z = g.spacing.z * (r.acquiredGridIndex[n - 1] - r.acquiredGridIndex[0]) / Double(n - 1) }
        var data = [UInt8](repeating: 0, count: plane * n)
        for (s, index) in r.acquiredGridIndex.enumerated() {
            let k = min(g.size.z - 1, max(0, Int(index.rounded())))
            for q in 0..<plane { data[s * plane + q] = labels.data[k * plane + q] }
        }
        return try Volume(geometry: geometry, data: data)
    }

    /// Largest spacing between acquired slices along their normal: what the slice-spacing gate judges.
    static func acquiredSpacing(_ part: AssembledVolume) -> Double? {
        if let r = part.resampling, r.acquiredSlices > 1 { return max(r.largestGapBridgedMM, r.spacingAlongNormalMM) }
        return nil
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
