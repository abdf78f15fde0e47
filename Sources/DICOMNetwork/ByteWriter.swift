/// Big-endian writer for PDU headers and items (the Upper Layer is big endian; DIMSE command sets are
/// little endian, see `DIMSECommand`).
struct ByteWriter {
    var bytes: [UInt8] = []

    init(capacity: Int = 64) { bytes.reserveCapacity(capacity) }

    mutating func u8(_ v: UInt8) { bytes.append(v) }
    mutating func u16(_ v: UInt16) { bytes.append(UInt8(v >> 8)); bytes.append(UInt8(v & 0xFF)) }
    mutating func u32(_ v: UInt32) {
        bytes.append(UInt8(v >> 24)); bytes.append(UInt8((v >> 16) & 0xFF))
        bytes.append(UInt8((v >> 8) & 0xFF)); bytes.append(UInt8(v & 0xFF))
    }
    mutating func zeros(_ n: Int) { bytes.append(contentsOf: repeatElement(0, count: n)) }
    mutating func append<C: Collection>(_ c: C) where C.Element == UInt8 { bytes.append(contentsOf: c) }

    /// An AE title field: 16 bytes, space padded (PS3.8 9.3.2).
    mutating func aeTitle(_ s: String) {
        var b = Array(s.utf8.prefix(16))
        b += repeatElement(0x20, count: 16 - b.count)
        bytes += b
    }

    /// An item with a one-byte type, a reserved byte and a two-byte length.
    mutating func item(_ type: UInt8, _ body: [UInt8]) {
        u8(type); u8(0); u16(UInt16(body.count)); append(body)
    }
}

/// Bounds-checked big-endian reader over one PDU body: every read that would run past the end throws
/// `malformedPDU` instead of trapping, which is what makes a fuzzed byte stream harmless.
struct ByteReader {
    let bytes: [UInt8]
    private(set) var position: Int
    let end: Int

    init(_ bytes: [UInt8], start: Int = 0, end: Int? = nil) {
        self.bytes = bytes
        self.position = start
        self.end = end ?? bytes.count
    }

    var remaining: Int { end - position }

    mutating func need(_ n: Int, _ what: String) throws {
        guard n >= 0, remaining >= n else {
            throw NetworkError.malformedPDU("\(what): needs \(n) bytes, \(remaining) left")
        }
    }
    mutating func u8(_ what: String) throws -> UInt8 {
        try need(1, what); defer { position += 1 }; return bytes[position]
    }
    mutating func u16(_ what: String) throws -> UInt16 {
        try need(2, what); defer { position += 2 }
        return UInt16(bytes[position]) << 8 | UInt16(bytes[position + 1])
    }
    mutating func u32(_ what: String) throws -> UInt32 {
        try need(4, what); defer { position += 4 }
        return UInt32(bytes[position]) << 24 | UInt32(bytes[position + 1]) << 16 | UInt32(bytes[position + 2]) << 8 | UInt32(bytes[position + 3])
    }
    mutating func take(_ n: Int, _ what: String) throws -> ArraySlice<UInt8> {
        try need(n, what); defer { position += n }; return bytes[position..<position + n]
    }
    mutating func skip(_ n: Int, _ what: String) throws { try need(n, what); position += n }

    /// Text of a UID or AE title: trailing NULs and spaces (padding) removed, leading spaces too.
    /// Trimmed as bytes, before decoding (Foundation's `trimmingCharacters` showed in receive profiles:
    /// every C-STORE command carries two UIDs).
    static func text<C: BidirectionalCollection>(_ c: C) -> String where C.Element == UInt8 {
        let pad: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0 }
        guard let first = c.firstIndex(where: { !pad($0) }), let last = c.lastIndex(where: { !pad($0) }) else { return "" }
        return String(decoding: c[first...last], as: UTF8.self)
    }
}

import Foundation
