import Foundation
import GRDB

/// One scan's row in the dataset manifest. Headline QA figures have their own columns (so a SQL query
/// can sort or filter on them); the full QA and the series verdicts are JSON text.
public struct ManifestRow: Codable, Equatable, Sendable, FetchableRecord, PersistableRecord {
    public enum Status: String, Codable, Sendable, CaseIterable {
        /// Known, not yet processed (or interrupted while running).
        case pending
        /// Being processed by a run; a row left so by a killed run is redone on the next.
        case running
        /// Every output file is in place.
        case done
        /// Processing threw; `error` says why. Retried only with `--retry-failed`.
        case failed
        /// The study has no usable series; `selection` says why. Never processed.
        case skipped
    }

    public static let databaseTableName = "scan"

    public var key: String
    public var source: String
    public var study: String
    public var series: String?
    public var selection: String
    /// JSON array of every series with its verdict and reasons.
    public var verdicts: String
    public var status: Status
    public var attempts: Int
    public var error: String?
    public var slices: Int?
    public var spacing: String?
    public var overlaySlices: Int?
    public var labeler: String?
    public var brainML: Double?
    public var nccFinal: Double?
    public var jacobianMin: Double?
    public var foldedFraction: Double?
    public var missingRegions: Int?
    /// JSON of `LabelingQA`.
    public var qa: String?
    /// JSON array of output paths relative to the dataset folder.
    public var outputs: String?
    public var seconds: Double?
    public var updatedAt: String

    enum CodingKeys: String, CodingKey, ColumnExpression {
        case key, source, study, series, selection, verdicts, status, attempts, error, slices, spacing
        case overlaySlices = "overlay_slices", labeler, brainML = "brain_ml", nccFinal = "ncc_final"
        case jacobianMin = "jacobian_min", foldedFraction = "folded_fraction", missingRegions = "missing_regions"
        case qa, outputs, seconds, updatedAt = "updated_at"
    }

    /// A fresh row for a discovered scan: pending, or skipped when no series was chosen.
    public init(candidate c: ScanCandidate) {
        key = c.key
        source = c.source
        study = c.studyDescription
        series = c.series
        selection = c.selection
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys]
        verdicts = (try? String(decoding: enc.encode(c.verdicts), as: UTF8.self)) ?? "[]"
        status = c.group == nil ? .skipped : .pending
        attempts = 0
        updatedAt = ManifestRow.now()
    }

    /// Output paths relative to the dataset folder.
    public var outputPaths: [String] {
        guard let o = outputs, let a = try? JSONDecoder().decode([String].self, from: Data(o.utf8)) else { return [] }
        return a
    }

    /// UTC time as ISO 8601 (`2026-01-31T12:00:00Z`), built from `gmtime_r`: Foundation's date
    /// formatters are not safe to create from several threads at once on Linux, and scans finish in
    /// parallel.
    static func now() -> String {
        var t = time(nil)
        var c = tm()
        gmtime_r(&t, &c)
        func pad(_ v: Int32, _ n: Int) -> String { let s = String(v); return String(repeating: "0", count: max(0, n - s.count)) + s }
        return "\(pad(c.tm_year + 1900, 4))-\(pad(c.tm_mon + 1, 2))-\(pad(c.tm_mday, 2))T\(pad(c.tm_hour, 2)):\(pad(c.tm_min, 2)):\(pad(c.tm_sec, 2))Z"
    }
}

extension ManifestRow.Status: DatabaseValueConvertible {}
