import CDeflate
import CZlib
import Foundation

/// gzip through libdeflate, which works on whole buffers and is about twice as fast as zlib at
/// inflating and 1.7-3 times as fast at level-1 deflate (bench/nifti_io.py). NIfTI volumes are whole
/// buffers anyway, so its one limitation — no streaming — costs nothing on the hot paths; the zlib
/// streaming reader (`GzipSource`) remains for headers and for the files this path declines.
enum WholeBufferGzip {
    /// Decompresses the first gzip member of the file into `dest` (capacity `total` bytes, where `total`
    /// is vox_offset + voxel bytes) and moves the voxel data to the start of `dest`.
    ///
    /// Returns false, having changed nothing but `dest`'s contents, when the file is not a single member
    /// whose size trailer matches `total` (multi-member files, trailing data, damage): the caller then
    /// streams with zlib, which also gives the precise error for damaged files. The size trailer is
    /// checked before anything is decompressed, so no claim larger than the real data is acted on.
    static func decompressPayload(fd: Int32, fileSize: Int, total: Int, voxOffset: Int,
                                  into dest: UnsafeMutableRawPointer) -> Bool {
        guard fileSize >= 18, total > voxOffset else { return false }
        guard let map = mmap(nil, fileSize, PROT_READ, MAP_PRIVATE, fd, 0), map != MAP_FAILED else { return false }
        defer { munmap(map, fileSize) }
        _ = madvise(map, fileSize, MADV_SEQUENTIAL)
        let bytes = map.assumingMemoryBound(to: UInt8.self)
        var isize: UInt32 = 0
        for k in 0..<4 { isize |= UInt32(bytes[fileSize - 4 + k]) << (8 * UInt32(k)) }
        guard isize == UInt32(truncatingIfNeeded: total) else { return false }
        guard let d = libdeflate_alloc_decompressor() else { return false }
        defer { libdeflate_free_decompressor(d) }
        var consumed = 0, produced = 0
        let rc = libdeflate_gzip_decompress_ex(d, map, fileSize, dest, total, &consumed, &produced)
        guard rc == LIBDEFLATE_SUCCESS, produced == total else { return false }
        memmove(dest, dest + voxOffset, total - voxOffset)
        return true
    }

    /// Writes `header` followed by `payload` as one gzip member, without first joining them (a copy of
    /// the whole volume). The small header is deflated by zlib into non-final blocks ending on a sync
    /// flush (byte-aligned); the payload follows as libdeflate's complete raw deflate stream, whose last
    /// block is final. Back-references never cross the join, so the concatenation is one valid deflate
    /// stream; the CRC-32 runs on across both parts.
    static func write(header: UnsafeRawBufferPointer, payload: UnsafeRawBufferPointer, to fd: Int32,
                      level: Int, path: String) throws {
        let gzipHeader: [UInt8] = [0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 3]  // deflate, no name, no mtime, unix
        try gzipHeader.withUnsafeBytes { try FileDescriptor.writeAll(fd, $0.baseAddress!, $0.count, path: path) }

        let headDeflated = try deflateWithZlib(header, level: min(level, 9), final: payload.count == 0, path: path)
        try headDeflated.withUnsafeBytes { try FileDescriptor.writeAll(fd, $0.baseAddress!, $0.count, path: path) }
        var crc = UInt32(truncatingIfNeeded: crc32(0, header.baseAddress?.assumingMemoryBound(to: Bytef.self), uInt(header.count)))

        if payload.count > 0 {
            guard let c = libdeflate_alloc_compressor(Int32(level)) else {
                throw NIfTIError(.io, file: path, problem: "libdeflate could not allocate a level-\(level) compressor")
            }
            defer { libdeflate_free_compressor(c) }
            let bound = libdeflate_deflate_compress_bound(c, payload.count)
            let output = UnsafeMutableRawBufferPointer.allocate(byteCount: bound, alignment: 64)
            defer { output.deallocate() }
            let n = libdeflate_deflate_compress(c, payload.baseAddress!, payload.count, output.baseAddress!, bound)
            guard n > 0 else { throw NIfTIError(.io, file: path, problem: "libdeflate compression failed") }
            try FileDescriptor.writeAll(fd, output.baseAddress!, n, path: path)
            crc = libdeflate_crc32(crc, payload.baseAddress!, payload.count)
        }
        let total = UInt64(header.count + payload.count)
        var trailer = [UInt8](repeating: 0, count: 8)
        for k in 0..<4 {
            trailer[k] = UInt8(truncatingIfNeeded: crc >> (8 * UInt32(k)))
            trailer[4 + k] = UInt8(truncatingIfNeeded: total >> (8 * UInt64(k)))  // ISIZE: length mod 2^32
        }
        try trailer.withUnsafeBytes { try FileDescriptor.writeAll(fd, $0.baseAddress!, 8, path: path) }
    }

    /// Raw deflate of a small buffer; `final` ends the stream, otherwise it ends on a sync flush.
    private static func deflateWithZlib(_ input: UnsafeRawBufferPointer, level: Int, final: Bool, path: String) throws -> [UInt8] {
        var strm = z_stream()
        guard deflateInit2_(&strm, Int32(level), Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY,
                            ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw NIfTIError(.io, file: path, problem: "zlib could not start")
        }
        defer { deflateEnd(&strm) }
        var out = [UInt8](repeating: 0, count: Int(deflateBound(&strm, uLong(input.count))) + 64)
        let rc: Int32 = out.withUnsafeMutableBytes { o in
            strm.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self))
            strm.avail_in = uInt(input.count)
            strm.next_out = o.baseAddress!.assumingMemoryBound(to: Bytef.self)
            strm.avail_out = uInt(o.count)
            return deflate(&strm, final ? Z_FINISH : Z_SYNC_FLUSH)
        }
        guard rc == (final ? Z_STREAM_END : Z_OK), strm.avail_in == 0 else {
            throw NIfTIError(.io, file: path, problem: "zlib deflate failed (\(rc))")
        }
        out.removeLast(Int(strm.avail_out))
        return out
    }
}
