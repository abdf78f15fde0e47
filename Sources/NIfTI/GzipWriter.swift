import CZlib
import Foundation
import ImageCore

/// Parallel gzip compression into one standard gzip member (the technique of pigz).
///
/// The input is cut into 1 MiB blocks that are deflated independently on all threads, each primed with
/// the 32 KiB before it as its dictionary, so the ratio matches a serial deflate to within a few bytes
/// per block. Blocks end on a sync flush (byte-aligned, not final) so their concatenation is one valid
/// deflate stream; the CRC-32s are combined with `crc32_combine`. Any gzip reader (zlib, Python, nibabel,
/// ITK) reads the result; with one thread it is simply a serial deflate.
enum GzipWriter {
    static let blockSize = 1 << 20
    static let window = 1 << 15

    private struct Block {
        let segment: UnsafeRawBufferPointer
        let start: Int
        let count: Int
        var isLast: Bool
    }

    private struct Compressed {
        var bytes: UnsafeMutableRawBufferPointer
        var used: Int
        var crc: UInt
    }

    static func write(segments: [UnsafeRawBufferPointer], to fd: Int32, level: Int, path: String) throws {
        var blocks: [Block] = []
        for seg in segments where seg.count > 0 {
            var start = 0
            while start < seg.count {
                let n = min(blockSize, seg.count - start)
                blocks.append(Block(segment: seg, start: start, count: n, isLast: false))
                start += n
            }
        }
        // gzip header: magic, deflate, no flags, no mtime (reproducible output), XFL 0, OS unix.
        let head: [UInt8] = [0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 3]
        try head.withUnsafeBytes { try FileDescriptor.writeAll(fd, $0.baseAddress!, $0.count, path: path) }

        var crc: UInt = crc32(0, nil, 0)
        var total: UInt64 = 0
        if blocks.isEmpty {
            // An empty deflate stream: one final empty fixed block.
            let empty: [UInt8] = [0x03, 0x00]
            try empty.withUnsafeBytes { try FileDescriptor.writeAll(fd, $0.baseAddress!, 2, path: path) }
        } else {
            blocks[blocks.count - 1].isLast = true
            let wave = max(1, Parallelism.threadCount * 4)
            var first = 0
            while first < blocks.count {
                let slice = Array(blocks[first..<min(first + wave, blocks.count)])
                var results = [Result<Compressed, NIfTIError>?](repeating: nil, count: slice.count)
                results.withUnsafeMutableBufferPointer { res in
                    let out = res
                    parallelFor(slice.count) { k in
                        out[k] = Result { try deflateBlock(slice[k], level: level, path: path) }
                            .mapError { $0 as? NIfTIError ?? .io(file: path, problem: "\($0)") }
                    }
                }
                defer { for case .success(let c)? in results { c.bytes.deallocate() } }
                for (k, r) in results.enumerated() {
                    let c = try r!.get()
                    try FileDescriptor.writeAll(fd, c.bytes.baseAddress!, c.used, path: path)
                    crc = crc32_combine(crc, c.crc, off_t(slice[k].count))
                    total += UInt64(slice[k].count)
                }
                first += slice.count
            }
        }
        var trailer = [UInt8](repeating: 0, count: 8)
        for k in 0..<4 {
            trailer[k] = UInt8(truncatingIfNeeded: UInt64(crc) >> (8 * UInt64(k)))
            trailer[4 + k] = UInt8(truncatingIfNeeded: total >> (8 * UInt64(k)))  // ISIZE: length mod 2^32
        }
        try trailer.withUnsafeBytes { try FileDescriptor.writeAll(fd, $0.baseAddress!, 8, path: path) }
    }

    private static func deflateBlock(_ b: Block, level: Int, path: String) throws -> Compressed {
        var strm = z_stream()
        // Raw deflate (negative window bits): the gzip wrapper is written once, around all blocks.
        var rc = deflateInit2_(&strm, Int32(level), Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY,
                               ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard rc == Z_OK else { throw NIfTIError.io(file: path, problem: "zlib deflateInit failed (\(rc))") }
        defer { deflateEnd(&strm) }
        let base = b.segment.baseAddress!
        if b.start > 0 {
            let dictStart = max(0, b.start - window)
            rc = deflateSetDictionary(&strm, (base + dictStart).assumingMemoryBound(to: Bytef.self), uInt(b.start - dictStart))
            guard rc == Z_OK else { throw NIfTIError.io(file: path, problem: "zlib deflateSetDictionary failed (\(rc))") }
        }
        // Bound for a finished stream plus room for the sync-flush marker; grown if ever short.
        var capacity = Int(deflateBound(&strm, uLong(b.count))) + 64
        var out = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity, alignment: 16)
        strm.next_in = UnsafeMutablePointer(mutating: (base + b.start).assumingMemoryBound(to: Bytef.self))
        strm.avail_in = uInt(b.count)
        var used = 0
        let flush = b.isLast ? Z_FINISH : Z_SYNC_FLUSH
        while true {
            if used == capacity {
                let bigger = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity * 2, alignment: 16)
                bigger.copyMemory(from: UnsafeRawBufferPointer(out))
                out.deallocate()
                out = bigger
                capacity *= 2
            }
            strm.next_out = (out.baseAddress! + used).assumingMemoryBound(to: Bytef.self)
            strm.avail_out = uInt(capacity - used)
            rc = deflate(&strm, flush)
            used = capacity - Int(strm.avail_out)
            if rc == Z_STREAM_END { break }
            if rc != Z_OK && rc != Z_BUF_ERROR {
                out.deallocate()
                throw NIfTIError.io(file: path, problem: "zlib deflate failed (\(rc))")
            }
            // A sync flush is complete once all input is consumed and output space is left over.
            if !b.isLast && strm.avail_in == 0 && strm.avail_out > 0 { break }
        }
        let crc = crc32(0, (base + b.start).assumingMemoryBound(to: Bytef.self), uInt(b.count))
        return Compressed(bytes: out, used: used, crc: crc)
    }
}
