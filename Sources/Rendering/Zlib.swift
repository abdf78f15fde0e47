import CZlib

/// The few zlib calls the PNG codec needs: a zlib-wrapped deflate stream (PNG's IDAT format, RFC 1950)
/// and the CRC-32 that PNG chunks carry. Kept in one place so the C interop stays out of the codec.
public enum Zlib {
    /// Compresses `bytes` into a zlib stream (header, deflate data, Adler-32 trailer).
    public static func deflate(_ bytes: [UInt8], level: Int32 = 6) throws -> [UInt8] {
        var bound = compressBound(uLong(bytes.count))
        var out = [UInt8](repeating: 0, count: Int(bound))
        let status = bytes.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                compress2(dst.baseAddress, &bound, src.baseAddress, uLong(src.count), level)
            }
        }
        guard status == Z_OK else { throw RenderingError.compression("zlib compress2 returned status \(status)") }
        out.removeSubrange(Int(bound)...)
        return out
    }

    /// Inflates a zlib stream whose decompressed size is known in advance (PNG knows it from IHDR).
    /// Fails rather than truncating when the stream holds more or less than `expectedSize` bytes.
    public static func inflate(_ bytes: [UInt8], expectedSize: Int) throws -> [UInt8] {
        guard expectedSize >= 0 else { throw RenderingError.invalidArgument("negative expected size") }
        // One spare byte lets us notice a stream that is longer than announced.
        var outLen = uLong(expectedSize + 1)
        var out = [UInt8](repeating: 0, count: expectedSize + 1)
        let status = bytes.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                uncompress(dst.baseAddress, &outLen, src.baseAddress, uLong(src.count))
            }
        }
        guard status == Z_OK else { throw RenderingError.compression("zlib uncompress returned status \(status)") }
        guard Int(outLen) == expectedSize else {
            throw RenderingError.compression("inflated \(outLen) bytes, expected \(expectedSize)")
        }
        out.removeLast()
        return out
    }

    /// CRC-32 (ISO 3309, as used by PNG and gzip) of `bytes`, continuing from `initial`.
    public static func crc32(_ bytes: [UInt8], initial: UInt32 = 0) -> UInt32 {
        bytes.withUnsafeBufferPointer { buf in
            UInt32(CZlib.crc32(uLong(initial), buf.baseAddress, uInt(buf.count)))
        }
    }
}
