import DICOM
import Foundation

/// One scan of the dataset: a study and the series chosen from it (or why none was).
public struct ScanCandidate: Sendable {
    /// Stable key: `st` + 16 hex digits of a hash of the StudyInstanceUID. It names the scan's files,
    /// decides its shard and carries no identifier (the UID itself is never written).
    public var key: String
    /// The archive (DICOMDIR) or folder the scan was found in, relative to the source root.
    public var source: String
    public var studyDescription: String
    /// The chosen series (`label "description"`), nil when the study has no usable one.
    public var series: String?
    /// Why this series, or why none: the selector's summary.
    public var selection: String
    /// Every series of the study with its verdict and reasons.
    public var verdicts: [SeriesVerdict]
    /// The chosen series' files, for conversion.
    public var group: SeriesGroup?

    public struct SeriesVerdict: Codable, Sendable, Equatable {
        public var series: String
        public var description: String
        public var slices: Int
        public var status: String
        public var reasons: [String]
    }

    public static func key(studyInstanceUID: String) -> String {
        "st" + StableHash.hex(studyInstanceUID.isEmpty ? "no-study-uid" : studyInstanceUID, length: 16)
    }
}
