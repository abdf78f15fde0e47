/// The byte layer of the test encoders (ITU T.81 B.1 and F.1.2.3): marker segments, MSB-first bits
/// with 0xFF stuffing, restart markers and the end of the image.
struct JPEGTestWriter {
    private(set) var bytes: [UInt8] = [0xFF, 0xD8]
    private var acc: UInt32 = 0
    private var count = 0
    private var restarts = 0

    mutating func segment(_ marker: UInt8, _ body: [UInt8]) {
        bytes += [0xFF, marker, UInt8((body.count + 2) >> 8), UInt8((body.count + 2) & 0xFF)] + body
    }

    mutating func put(_ value: Int, _ length: Int) {
        for b in stride(from: length - 1, through: 0, by: -1) {
            acc = acc << 1 | UInt32((value >> b) & 1); count += 1
            if count == 8 {
                let byte = UInt8(acc & 0xFF)
                bytes.append(byte)
                if byte == 0xFF { bytes.append(0) }
                acc = 0; count = 0
            }
        }
    }

    /// Pads the last byte with 1 bits, as T.81 asks before a marker.
    mutating func flush() { while count != 0 { put(1, 1) } }

    mutating func restart() {
        flush()
        bytes += [0xFF, UInt8(0xD0 + restarts % 8)]
        restarts += 1
    }

    mutating func finish() -> [UInt8] {
        flush()
        return bytes + [0xFF, 0xD9]
    }
}
