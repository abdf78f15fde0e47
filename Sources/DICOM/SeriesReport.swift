import Foundation

/// The `dicom list` report: every study and series with the selection verdict and its reasons.
/// Identifiers: studies are named by a hash of their UID, never by patient data.
public struct SeriesReport: Codable, Sendable {
    public struct Series: Codable, Sendable {
        public var label: String
        public var seriesNumber: Int?
        public var description: String
        public var modality: String
        public var imageType: [String]
        public var files: Int
        public var slices: Int
        public var rows: Int?
        public var columns: Int?
        public var sliceThickness: Double?
        public var sliceSpacing: Double?
        public var coverageMM: Double?
        public var kernel: String
        public var contrastAgent: String
        public var transferSyntax: String
        public var overlaySlices: Int
        public var verdict: String
        public var score: Double?
        public var reasons: [String]
    }

    public struct Study: Codable, Sendable {
        public var study: String
        public var description: String
        public var selected: String?
        public var summary: String
        public var series: [Series]
    }

    public var source: String
    public var files: Int
    public var skippedFiles: Int
    public var skipped: [String]
    public var warnings: [String]
    public var studies: [Study]

    public init(index: DICOMIndex, choices: [SeriesSelector.StudyChoice]) {
        switch index.source {
        case .dicomdir(let p): source = "DICOMDIR " + p
        case .folder: source = "folder scan"
        case .file: source = "single file"
        }
        files = index.images.count
        skippedFiles = index.skipped.count
        skipped = index.skipped.prefix(20).map { $0.reason }
        warnings = index.warnings
        studies = choices.map { c in
            Study(study: SeriesReport.studyToken(c.study.studyInstanceUID), description: c.study.description,
                  selected: c.selected.map { c.study.series[$0].label }, summary: c.summary,
                  series: zip(c.study.series, c.verdicts).map { g, v in
                      let f = g.first
                      return Series(label: g.label, seriesNumber: g.seriesNumber, description: g.description, modality: f.modality,
                                    imageType: f.imageType, files: g.images.count, slices: g.sliceCount, rows: f.rows, columns: f.columns,
                                    sliceThickness: f.sliceThickness, sliceSpacing: g.sliceSpacing, coverageMM: g.coverage,
                                    kernel: f.convolutionKernel, contrastAgent: f.contrastBolusAgent,
                                    transferSyntax: f.transferSyntax.name, overlaySlices: g.overlaySliceCount,
                                    verdict: v.status.rawValue, score: v.score.isFinite ? (v.score * 100).rounded() / 100 : nil,
                                    reasons: v.reasons)
                  })
        }
    }

    /// "st" + 8 hex digits of the Study Instance UID hash.
    public static func studyToken(_ uid: String) -> String { "st" + StableHash.hex(uid.isEmpty ? "no-study-uid" : uid) }

    public func json() throws -> String {
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        return String(decoding: try enc.encode(self), as: UTF8.self)
    }

    public func text() -> String {
        var lines: [String] = ["source: \(source); \(files) DICOM file(s)" + (skippedFiles > 0 ? ", \(skippedFiles) skipped" : "")]
        for w in warnings { lines.append("warning: \(w)") }
        for s in skipped.prefix(5) { lines.append("skipped: \(s)") }
        for st in studies {
            lines.append("")
            lines.append("study \(st.study) \"\(st.description)\": \(st.summary)")
            for se in st.series {
                let th = se.sliceThickness.map { String(format: "%.3g mm", $0) } ?? "-"
                let mark = se.verdict == "selected" ? "*" : se.verdict == "candidate" ? "+" : "-"
                lines.append("  \(mark) series \(se.label) \"\(se.description)\" \(se.modality) \(se.slices) slice(s), \(se.columns ?? 0)x\(se.rows ?? 0), thickness \(th), kernel \(se.kernel.isEmpty ? "-" : se.kernel)"
                             + (se.overlaySlices > 0 ? ", overlays on \(se.overlaySlices) slice(s)" : ""))
                lines.append("      \(se.verdict): \(se.reasons.joined(separator: "; "))")
            }
        }
        return lines.joined(separator: "\n")
    }
}
