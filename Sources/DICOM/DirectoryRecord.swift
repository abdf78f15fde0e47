/// One record of a DICOMDIR (PATIENT, STUDY, SERIES, IMAGE, ...), with its lower-level records.
public struct DirectoryRecord: Sendable {
    public var type: String
    /// ReferencedFileID components as stored (validated when resolved).
    public var fileID: [String]
    public var inUse: Bool
    public var studyInstanceUID: String
    public var seriesInstanceUID: String
    public var description: String
    public var modality: String
    public var number: Int?
    public var children: [DirectoryRecord]

    init(_ ds: DataSet) {
        type = (ds.string(Tag.directoryRecordType) ?? "").uppercased()
        fileID = ds.strings(Tag.referencedFileID).filter { !$0.isEmpty }
        inUse = (ds.int(Tag.recordInUseFlag) ?? 0xFFFF) != 0
        studyInstanceUID = ds.string(Tag.studyInstanceUID) ?? ""
        seriesInstanceUID = ds.string(Tag.seriesInstanceUID) ?? ""
        description = ds.string(Tag.studyDescription) ?? ds.string(Tag.seriesDescription) ?? ""
        modality = ds.string(Tag.modality) ?? ""
        number = ds.int(Tag.seriesNumber) ?? ds.int(Tag.instanceNumber)
        children = []
    }

    /// Depth in the standard hierarchy, for rebuilding a tree when offsets are missing.
    var level: Int {
        switch type {
        case "PATIENT": return 0
        case "STUDY": return 1
        case "SERIES": return 2
        default: return 3
        }
    }

    /// Number of records in this subtree.
    var count: Int { 1 + children.reduce(0) { $0 + $1.count } }

    /// Every referenced file ID in this subtree.
    func fileIDs() -> [[String]] {
        (fileID.isEmpty ? [] : [fileID]) + children.flatMap { $0.fileIDs() }
    }
}
