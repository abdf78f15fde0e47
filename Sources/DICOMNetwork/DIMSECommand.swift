/// A DIMSE command set (PS3.7 section 9.3 and Annex E): group 0000 elements, always Implicit VR Little
/// Endian whatever the negotiated transfer syntax. Only the elements C-ECHO and C-STORE use have
/// accessors; others are kept as raw values so a response can be built from any request.
public struct DIMSECommand: Equatable, Sendable {
    public enum Field: UInt16, Sendable {
        case cStoreRQ = 0x0001, cStoreRSP = 0x8001
        case cGetRQ = 0x0010, cGetRSP = 0x8010
        case cFindRQ = 0x0020, cFindRSP = 0x8020
        case cMoveRQ = 0x0021, cMoveRSP = 0x8021
        case cEchoRQ = 0x0030, cEchoRSP = 0x8030
        case cCancelRQ = 0x0FFF
    }

    enum Tag {
        static let groupLength: UInt16 = 0x0000
        static let affectedSOPClassUID: UInt16 = 0x0002
        static let commandField: UInt16 = 0x0100
        static let messageID: UInt16 = 0x0110
        static let messageIDBeingRespondedTo: UInt16 = 0x0120
        static let moveDestination: UInt16 = 0x0600
        static let priority: UInt16 = 0x0700
        static let dataSetType: UInt16 = 0x0800
        static let status: UInt16 = 0x0900
        static let errorComment: UInt16 = 0x0902
        static let affectedSOPInstanceUID: UInt16 = 0x1000
    }

    /// "No data set follows" (PS3.7 E.1-1); any other value means one does.
    public static let noDataSet: UInt16 = 0x0101

    /// Element number (group 0000) -> raw value bytes.
    public private(set) var elements: [UInt16: [UInt8]] = [:]

    public init() {}

    public subscript(uint16 tag: UInt16) -> UInt16? {
        get {
            guard let v = elements[tag], v.count >= 2 else { return nil }
            return UInt16(v[0]) | UInt16(v[1]) << 8
        }
        set { elements[tag] = newValue.map { [UInt8($0 & 0xFF), UInt8($0 >> 8)] } }
    }

    public subscript(string tag: UInt16) -> String? {
        get { elements[tag].map { ByteReader.text($0) } }
        set {
            elements[tag] = newValue.map { s in
                var b = Array(s.utf8)
                // UIDs pad with NUL, text with a space (PS3.5 6.2).
                if b.count % 2 == 1 { b.append(tag == Tag.affectedSOPClassUID || tag == Tag.affectedSOPInstanceUID ? 0 : 0x20) }
                return b
            }
        }
    }

    public var commandField: UInt16? { get { self[uint16: Tag.commandField] } set { self[uint16: Tag.commandField] = newValue } }
    public var messageID: UInt16? { get { self[uint16: Tag.messageID] } set { self[uint16: Tag.messageID] = newValue } }
    public var messageIDBeingRespondedTo: UInt16? {
        get { self[uint16: Tag.messageIDBeingRespondedTo] } set { self[uint16: Tag.messageIDBeingRespondedTo] = newValue }
    }
    public var affectedSOPClassUID: String? { get { self[string: Tag.affectedSOPClassUID] } set { self[string: Tag.affectedSOPClassUID] = newValue } }
    public var affectedSOPInstanceUID: String? {
        get { self[string: Tag.affectedSOPInstanceUID] } set { self[string: Tag.affectedSOPInstanceUID] = newValue }
    }
    public var status: UInt16? { get { self[uint16: Tag.status] } set { self[uint16: Tag.status] = newValue } }
    public var errorComment: String? { get { self[string: Tag.errorComment] } set { self[string: Tag.errorComment] = newValue } }
    public var priority: UInt16? { get { self[uint16: Tag.priority] } set { self[uint16: Tag.priority] = newValue } }
    public var dataSetType: UInt16? { get { self[uint16: Tag.dataSetType] } set { self[uint16: Tag.dataSetType] = newValue } }
    public var hasDataSet: Bool { (dataSetType ?? Self.noDataSet) != Self.noDataSet }

    /// Implicit VR LE bytes with the group length first.
    public func encode() -> [UInt8] {
        var body: [UInt8] = []
        for tag in elements.keys.sorted() where tag != Tag.groupLength {
            let v = elements[tag]!
            Self.header(&body, tag, v.count)
            body += v
        }
        var out: [UInt8] = []
        out.reserveCapacity(body.count + 12)
        Self.header(&out, Tag.groupLength, 4)
        let n = UInt32(body.count)
        out += [UInt8(n & 0xFF), UInt8((n >> 8) & 0xFF), UInt8((n >> 16) & 0xFF), UInt8(n >> 24)]
        return out + body
    }

    private static func header(_ b: inout [UInt8], _ element: UInt16, _ length: Int) {
        b += [0, 0, UInt8(element & 0xFF), UInt8(element >> 8)]
        let n = UInt32(length)
        b += [UInt8(n & 0xFF), UInt8((n >> 8) & 0xFF), UInt8((n >> 16) & 0xFF), UInt8(n >> 24)]
    }

    /// Decodes a command set; any element outside group 0000 or a length past the end is an error.
    public static func decode<C: Collection>(_ bytes: C) throws -> DIMSECommand where C.Element == UInt8, C.Index == Int {
        var c = DIMSECommand()
        var p = bytes.startIndex
        let end = bytes.endIndex
        func u16(_ i: Int) -> UInt16 { UInt16(bytes[i]) | UInt16(bytes[i + 1]) << 8 }
        while p < end {
            guard end - p >= 8 else { throw NetworkError.malformedCommand("truncated element header") }
            let group = u16(p), element = u16(p + 2)
            let len = Int(UInt32(u16(p + 4)) | UInt32(u16(p + 6)) << 16)
            p += 8
            guard group == 0 else { throw NetworkError.malformedCommand("element (\(String(group, radix: 16)),\(String(element, radix: 16))) outside group 0000") }
            guard len <= end - p else { throw NetworkError.malformedCommand("element (0000,\(String(element, radix: 16))) length \(len) past the end") }
            c.elements[element] = Array(bytes[p..<p + len])
            p += len
        }
        guard c.commandField != nil else { throw NetworkError.malformedCommand("no Command Field (0000,0100)") }
        return c
    }

    /// The response to a request: command field with the response bit, the same SOP class and
    /// instance, the request's message id, no data set.
    public func response(status: UInt16, comment: String? = nil) -> DIMSECommand {
        var r = DIMSECommand()
        r.commandField = (commandField ?? 0) | 0x8000
        r.messageIDBeingRespondedTo = messageID ?? 0
        if let s = affectedSOPClassUID { r.affectedSOPClassUID = s }
        if let s = affectedSOPInstanceUID { r.affectedSOPInstanceUID = s }
        r.dataSetType = Self.noDataSet
        r.status = status
        if let c = comment { r.errorComment = String(c.prefix(64)) }
        return r
    }
}

/// DIMSE status codes this node sends or interprets (PS3.7 Annex C and PS3.4 B.2.3).
public enum DIMSEStatus {
    public static let success: UInt16 = 0x0000
    public static let refusedOutOfResources: UInt16 = 0xA700
    public static let dataSetDoesNotMatchSOPClass: UInt16 = 0xA900
    public static let cannotUnderstand: UInt16 = 0xC000
    public static let sopClassNotSupported: UInt16 = 0x0122
    public static let unrecognizedOperation: UInt16 = 0x0211

    /// Success and the warnings (0xB000-0xBFFF, 0x0001, 0x0107, 0x0116) count as stored.
    public static func isSuccess(_ s: UInt16) -> Bool {
        s == 0 || (s & 0xF000) == 0xB000 || s == 0x0001 || s == 0x0107 || s == 0x0116
    }
}
