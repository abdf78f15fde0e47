/// Reads whole PDUs from a connection with the limits applied *before* any allocation: a length
/// field of four gigabytes is refused from its six-byte header, never trusted.
public struct PDUReader {
    public let limits: NetworkLimits

    public init(limits: NetworkLimits) { self.limits = limits }

    /// The largest body a PDU of this type may have.
    public func limit(for type: UInt8) -> UInt32? {
        switch PDUType(rawValue: type) {
        case .associateRQ?, .associateAC?: return limits.maxAssociateLength
        case .dataTF?: return limits.maxPDULength
        case .associateRJ?, .releaseRQ?, .releaseRP?, .abort?: return 4
        case nil: return nil
        }
    }

    /// Checks a six-byte header; returns the type and body length.
    public func checkHeader<C: Collection>(_ h: C) throws -> (type: UInt8, length: Int) where C.Element == UInt8, C.Index == Int {
        guard h.count == 6 else { throw NetworkError.malformedPDU("header of \(h.count) bytes") }
        let s = h.startIndex
        let type = h[s]
        let length = UInt32(h[s + 2]) << 24 | UInt32(h[s + 3]) << 16 | UInt32(h[s + 4]) << 8 | UInt32(h[s + 5])
        guard let max = limit(for: type) else {
            throw NetworkError.malformedPDU("unknown PDU type 0x\(String(type, radix: 16))")
        }
        // The fixed-size PDUs (reject, release, abort) have exactly four bytes; any other length is a
        // broken PDU, not merely a long one.
        if max == 4 && length != 4 {
            throw NetworkError.malformedPDU("\(PDUType(rawValue: type)!) with length \(length) instead of 4")
        }
        guard length <= max else { throw NetworkError.pduTooLong(length: UInt64(length), limit: UInt64(max)) }
        return (type, Int(length))
    }

    /// Reads the next PDU; throws on a closed connection, a timeout, a limit or malformed bytes.
    public func read(from c: Connection) throws -> PDU {
        let (type, length) = try readHeader(from: c)
        let body = try c.readBytes(length)
        return try PDUDecoder.decode(type: type, body: body)
    }

    /// Reads and checks the next six-byte header only (no allocation): the SCP reads P-DATA-TF bodies
    /// PDV by PDV, straight into the data set they belong to.
    func readHeader(from c: Connection) throws -> (type: UInt8, length: Int) {
        try withUnsafeTemporaryAllocation(byteCount: 6, alignment: 1) { h in
            try c.read(into: h)
            return try checkHeader(UnsafeRawBufferPointer(h))
        }
    }

    /// Decodes one PDU from a byte array (tests and fuzzing: the same checks as `read`).
    public func decode(_ bytes: [UInt8]) throws -> (pdu: PDU, consumed: Int) {
        guard bytes.count >= 6 else { throw NetworkError.malformedPDU("truncated header (\(bytes.count) bytes)") }
        let (type, length) = try checkHeader(Array(bytes[0..<6]))
        guard bytes.count - 6 >= length else {
            throw NetworkError.malformedPDU("truncated PDU: \(bytes.count - 6) of \(length) bytes")
        }
        return (try PDUDecoder.decode(type: type, body: Array(bytes[6..<6 + length])), 6 + length)
    }
}
