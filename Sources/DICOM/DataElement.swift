/// One attribute as found in the stream. Values are not copied: `valueRange` points into the
/// dataset's `ByteStore`. Sequences hold their parsed items; encapsulated pixel data holds the byte
/// ranges of its fragments (the first is the Basic Offset Table).
public struct DataElement: Sendable {
    public let tag: DICOMTag
    public let vr: VR
    /// Absolute offset of the element's first header byte in the store.
    public let headerOffset: Int
    /// Value bytes. For undefined-length sequences, the bytes between the header and the delimiter.
    public let valueRange: Range<Int>
    public let undefinedLength: Bool
    /// Items of a sequence (VR SQ, or UN with undefined length).
    public var items: [DataSet]
    /// Encapsulated pixel data: value ranges of each item, offset table first. Nil for native data,
    /// and nil when parsing stopped before reading the fragments (listing).
    public var fragments: [Range<Int>]?

    public var length: Int { valueRange.count }
    public var isSequence: Bool { vr == .SQ || !items.isEmpty }
}
