import Foundation

/// Everything that can end an association or refuse a connection, in words an operator understands.
/// Each case names the peer (host:port or AE title) so a log line is enough to find the sender.
public enum NetworkError: Error, CustomStringConvertible, Equatable {
    /// The bytes on the wire are not a valid PDU (bad type, impossible length, truncated item).
    case malformedPDU(String)
    /// A PDU is longer than this node accepts (the limit protects memory from absurd length fields).
    case pduTooLong(length: UInt64, limit: UInt64)
    /// A valid PDU arrived where the protocol state does not allow it.
    case unexpectedPDU(String)
    /// The peer closed the connection (or it broke) before a PDU was complete.
    case connectionClosed(String)
    /// Nothing arrived for the idle timeout: a vanished peer must not hold a thread.
    case timeout(String)
    /// socket(), bind(), connect() and friends.
    case socket(String)
    /// The peer rejected the association (A-ASSOCIATE-RJ): result, source and reason as sent.
    case associationRejected(result: UInt8, source: UInt8, reason: UInt8)
    /// The peer aborted the association (A-ABORT).
    case aborted(source: UInt8, reason: UInt8)
    /// A DIMSE command set that cannot be decoded or lacks a required element.
    case malformedCommand(String)
    /// No presentation context was accepted for what the caller wants to send.
    case noPresentationContext(String)
    /// A `--destination` or similar peer address that does not parse.
    case badAddress(String)

    public var description: String {
        switch self {
        case .malformedPDU(let s): return "malformed PDU: \(s)"
        case .pduTooLong(let n, let l): return "PDU of \(n) bytes exceeds the limit of \(l) bytes"
        case .unexpectedPDU(let s): return "unexpected PDU: \(s)"
        case .connectionClosed(let s): return "connection closed: \(s)"
        case .timeout(let s): return "timed out: \(s)"
        case .socket(let s): return "socket error: \(s)"
        case .associationRejected(let r, let s, let why):
            return "association rejected (\(r == 1 ? "permanent" : "transient"), source \(s), reason \(why))"
        case .aborted(let s, let r): return "association aborted by the peer (source \(s), reason \(r))"
        case .malformedCommand(let s): return "malformed DIMSE command: \(s)"
        case .noPresentationContext(let s): return "no presentation context accepted: \(s)"
        case .badAddress(let s): return s
        }
    }
}
