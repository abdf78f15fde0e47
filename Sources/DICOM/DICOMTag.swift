/// A DICOM attribute tag (group, element).
public struct DICOMTag: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let group: UInt16
    public let element: UInt16

    public init(_ group: UInt16, _ element: UInt16) {
        self.group = group
        self.element = element
    }

    public var combined: UInt32 { UInt32(group) << 16 | UInt32(element) }
    /// Odd groups belong to vendors; we never interpret them, only skip them with checked lengths.
    public var isPrivate: Bool { group & 1 == 1 }

    public static func < (a: DICOMTag, b: DICOMTag) -> Bool { a.combined < b.combined }

    public var description: String {
        "(" + hex4(group) + "," + hex4(element) + ")"
    }

    /// The same element in overlay group 60xx number `index` (0...15).
    public func inOverlayGroup(_ index: Int) -> DICOMTag { DICOMTag(0x6000 + UInt16(index * 2), element) }

    // Item and delimiter tags of the encoding itself.
    public static let item = DICOMTag(0xFFFE, 0xE000)
    public static let itemDelimitation = DICOMTag(0xFFFE, 0xE00D)
    public static let sequenceDelimitation = DICOMTag(0xFFFE, 0xE0DD)
}

@inline(__always)
func hex4(_ v: UInt16) -> String {
    let s = String(v, radix: 16, uppercase: true)
    return String(repeating: "0", count: 4 - s.count) + s
}
