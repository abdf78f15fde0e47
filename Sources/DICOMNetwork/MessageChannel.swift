/// Sends DIMSE messages as P-DATA-TF PDUs cut to the peer's maximum PDU length, and collects a
/// complete command set from incoming PDUs (used by the SCU; the SCP has its own loop because it
/// also streams data sets).
struct MessageChannel {
    let connection: Connection
    /// The peer's maximum PDU length (0: the peer set no limit).
    let peerMaxPDU: UInt32

    /// PDUs up to this much data (every command, small data sets) are copied into one buffer and sent
    /// whole; longer ones go out as header and data without the copy.
    static let coalesceLimit = 1 << 16

    /// Largest PDV data per PDU: the PDU body holds the 6-byte PDV header too.
    var fragmentSize: Int {
        let limit = peerMaxPDU == 0 ? 1 << 20 : Int(peerMaxPDU)
        return max(limit - 6, 1)
    }

    func send(contextID: UInt8, isCommand: Bool, _ bytes: UnsafeRawBufferPointer) throws {
        var offset = 0
        repeat {
            let n = min(fragmentSize, bytes.count - offset)
            let last = offset + n == bytes.count
            var pdu = PDUEncoder.singlePDVHeader(contextID: contextID, isCommand: isCommand, isLast: last, dataCount: n)
            let data = UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + n])
            if n <= Self.coalesceLimit {
                // One send for header and data: with TCP_NODELAY two sends are two segments, and a peer
                // waiting for the answer wakes for the header only to sleep again until the data.
                pdu.append(contentsOf: data)
                try connection.write(pdu)
            } else {
                try connection.write(pdu)
                try connection.write(data)
            }
            offset += n
        } while offset < bytes.count
    }

    func send(contextID: UInt8, command: DIMSECommand) throws {
        try command.encode().withUnsafeBytes { try send(contextID: contextID, isCommand: true, $0) }
    }

    /// Reads PDUs until a whole command set has arrived; an A-ABORT or A-RELEASE-RQ ends with an error.
    func receiveCommand(reader: PDUReader) throws -> DIMSECommand {
        var bytes: [UInt8] = []
        while true {
            let pdu = try reader.read(from: connection)
            switch pdu {
            case .data(let pdvs):
                for p in pdvs {
                    guard p.isCommand else { throw NetworkError.unexpectedPDU("data set fragment while a command was expected") }
                    bytes += p.data
                    guard bytes.count <= 1 << 16 else { throw NetworkError.malformedCommand("command set larger than 64 KiB") }
                    if p.isLast { return try DIMSECommand.decode(bytes) }
                }
            case .abort(let s, let r):
                throw NetworkError.aborted(source: s, reason: r)
            default:
                throw NetworkError.unexpectedPDU("\(pdu.name) while waiting for a DIMSE response")
            }
        }
    }
}
