/// One presentation data value: a fragment of a DIMSE command or data set on one presentation context.
public struct PDV: Equatable, Sendable {
    public var contextID: UInt8
    public var isCommand: Bool
    public var isLast: Bool
    public var data: ArraySlice<UInt8>

    public init(contextID: UInt8, isCommand: Bool, isLast: Bool, data: ArraySlice<UInt8>) {
        self.contextID = contextID
        self.isCommand = isCommand
        self.isLast = isLast
        self.data = data
    }

    /// Checks a PDV item length (context id, control header and data) against the bytes left in its
    /// PDU: the one check of both the decoder and the SCP's streaming reader.
    static func itemLength(_ length: UInt32, remaining: Int) throws -> Int {
        let len = Int(length)
        guard len >= 2 else { throw NetworkError.malformedPDU("PDV length \(len) is shorter than its 2-byte header") }
        guard len <= remaining else { throw NetworkError.malformedPDU("PDV: needs \(len) bytes, \(remaining) left") }
        return len
    }
}

/// A decoded Upper Layer PDU.
public enum PDU: Equatable, Sendable {
    case associateRQ(AssociateRequest)
    case associateAC(AssociateAccept)
    case associateRJ(AssociateReject)
    case data([PDV])
    case releaseRQ
    case releaseRP
    case abort(source: UInt8, reason: UInt8)

    public var name: String {
        switch self {
        case .associateRQ: return "A-ASSOCIATE-RQ"
        case .associateAC: return "A-ASSOCIATE-AC"
        case .associateRJ: return "A-ASSOCIATE-RJ"
        case .data: return "P-DATA-TF"
        case .releaseRQ: return "A-RELEASE-RQ"
        case .releaseRP: return "A-RELEASE-RP"
        case .abort: return "A-ABORT"
        }
    }
}

/// A-ABORT reasons when the service provider (this node) aborts (PS3.8 9.3.8).
public enum AbortReason: UInt8, Sendable {
    case notSpecified = 0
    case unrecognizedPDU = 1
    case unexpectedPDU = 2
    case unrecognizedPDUParameter = 4
    case unexpectedPDUParameter = 5
    case invalidPDUParameterValue = 6
}
