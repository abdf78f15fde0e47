import Foundation

/// Reads back the PNG variant `PNGEncoder` writes (8-bit grey or RGB, non-interlaced, any filters),
/// verifying every chunk CRC. It exists so tests and QA tools can check rendered images in Swift;
/// it is not a general PNG reader (palette, alpha, 16-bit and interlaced files are refused).
public enum PNGDecoder {
    public struct Image: Equatable, Sendable {
        public var width: Int
        public var height: Int
        public var colorType: PNGColorType
        /// Interleaved pixels, rows top to bottom.
        public var pixels: [UInt8]
    }

    public static func decode(_ data: Data) throws -> Image {
        let bytes = [UInt8](data)
        guard bytes.count >= 8, Array(bytes[0..<8]) == PNGEncoder.signature else {
            throw RenderingError.invalidPNG("missing PNG signature")
        }
        var pos = 8
        var header: (width: Int, height: Int, colorType: PNGColorType)? = nil
        var idat = [UInt8]()
        var sawEnd = false
        while pos < bytes.count && !sawEnd {
            guard pos + 12 <= bytes.count else { throw RenderingError.invalidPNG("truncated chunk header at byte \(pos)") }
            let length = Int(readUInt32(bytes, pos))
            guard length <= bytes.count - pos - 12 else { throw RenderingError.invalidPNG("chunk at byte \(pos) runs past the end") }
            let typeAndBody = Array(bytes[(pos + 4)..<(pos + 8 + length)])
            let type = String(decoding: typeAndBody[0..<4], as: UTF8.self)
            let body = Array(typeAndBody[4...])
            let crc = readUInt32(bytes, pos + 8 + length)
            guard crc == Zlib.crc32(typeAndBody) else { throw RenderingError.invalidPNG("CRC mismatch in \(type) chunk") }
            switch type {
            case "IHDR":
                guard body.count == 13 else { throw RenderingError.invalidPNG("IHDR has \(body.count) bytes, expected 13") }
                let w = Int(readUInt32(body, 0)), h = Int(readUInt32(body, 4))
                guard w > 0, h > 0, w * h <= 1 << 28 else { throw RenderingError.invalidPNG("unreasonable size \(w)x\(h)") }
                guard body[8] == 8, let ct = PNGColorType(rawValue: body[9]) else {
                    throw RenderingError.invalidPNG("only 8-bit grey or RGB PNGs are supported (bit depth \(body[8]), colour type \(body[9]))")
                }
                guard body[10] == 0, body[11] == 0, body[12] == 0 else {
                    throw RenderingError.invalidPNG("unsupported compression, filter method or interlacing")
                }
                header = (w, h, ct)
            case "IDAT": idat += body
            case "IEND": sawEnd = true
            default: break  // ancillary chunks are skipped
            }
            pos += 12 + length
        }
        guard let h = header else { throw RenderingError.invalidPNG("no IHDR chunk") }
        guard sawEnd else { throw RenderingError.invalidPNG("no IEND chunk") }
        let bpp = h.colorType.channels
        let rowBytes = h.width * bpp
        let raw = try Zlib.inflate(idat, expectedSize: (rowBytes + 1) * h.height)
        var pixels = [UInt8]()
        pixels.reserveCapacity(rowBytes * h.height)
        var previous = [UInt8](repeating: 0, count: rowBytes)
        for y in 0..<h.height {
            let start = y * (rowBytes + 1)
            guard let filter = PNGFilter(rawValue: raw[start]) else {
                throw RenderingError.invalidPNG("row \(y) uses unknown filter \(raw[start])")
            }
            var row = Array(raw[(start + 1)...(start + rowBytes)])
            filter.undo(&row, previous: previous, bpp: bpp)
            pixels += row
            previous = row
        }
        return Image(width: h.width, height: h.height, colorType: h.colorType, pixels: pixels)
    }

    static func readUInt32(_ b: [UInt8], _ at: Int) -> UInt32 {
        UInt32(b[at]) << 24 | UInt32(b[at + 1]) << 16 | UInt32(b[at + 2]) << 8 | UInt32(b[at + 3])
    }
}
