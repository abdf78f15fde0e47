import Foundation

/// Writes 8-bit greyscale or RGB PNG files (non-interlaced), enough for QA images and reports that any
/// browser, viewer or PIL opens. Each row gets the filter with the smallest sum of absolute filtered
/// bytes (the heuristic the PNG spec recommends), which typically shrinks CT renderings 2-3x over no filter.
public enum PNGEncoder {
    static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// Encodes interleaved 8-bit pixels (`width * height * channels` bytes, rows top to bottom).
    public static func encode(pixels: [UInt8], width: Int, height: Int, colorType: PNGColorType,
                              compressionLevel: Int32 = 6) throws -> Data {
        guard width > 0, height > 0, width <= Int(Int32.max), height <= Int(Int32.max) else {
            throw RenderingError.invalidImage("PNG size \(width)x\(height) must be positive")
        }
        let rowBytes = width * colorType.channels
        guard pixels.count == rowBytes * height else {
            throw RenderingError.invalidImage("\(pixels.count) bytes for a \(width)x\(height) \(colorType) image, expected \(rowBytes * height)")
        }
        var filtered = [UInt8](repeating: 0, count: (rowBytes + 1) * height)
        var candidate = [UInt8](repeating: 0, count: rowBytes)
        var best = [UInt8](repeating: 0, count: rowBytes)
        pixels.withUnsafeBufferPointer { px in
            for y in 0..<height {
                var bestFilter = PNGFilter.none, bestCost = Int.max
                for filter in PNGFilter.allCases {
                    // Bytes are read as signed deltas: small magnitudes compress best.
                    let cost = candidate.withUnsafeMutableBufferPointer {
                        filter.apply(px, start: y * rowBytes, rowBytes: rowBytes, hasPrevious: y > 0, bpp: colorType.channels, into: $0)
                    }
                    if cost < bestCost {
                        bestCost = cost
                        bestFilter = filter
                        swap(&best, &candidate)
                    }
                }
                let o = y * (rowBytes + 1)
                filtered[o] = bestFilter.rawValue
                filtered.replaceSubrange((o + 1)...(o + rowBytes), with: best)
            }
        }

        var header = [UInt8]()
        header += bigEndian(UInt32(width))
        header += bigEndian(UInt32(height))
        header += [8, colorType.rawValue, 0, 0, 0]  // bit depth, colour type, deflate, adaptive filtering, no interlace

        var out = signature
        out += chunk("IHDR", header)
        out += chunk("IDAT", try Zlib.deflate(filtered, level: compressionLevel))
        out += chunk("IEND", [])
        return Data(out)
    }

    static func chunk(_ type: String, _ body: [UInt8]) -> [UInt8] {
        let typeBytes = Array(type.utf8)
        var out = bigEndian(UInt32(body.count))
        out += typeBytes
        out += body
        out += bigEndian(Zlib.crc32(typeBytes + body))
        return out
    }

    static func bigEndian(_ v: UInt32) -> [UInt8] {
        [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)]
    }
}
