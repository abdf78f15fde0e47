import CDeflate
import Foundation

/// gzip through libdeflate, which works on whole buffers and is about twice as fast as zlib at
/// inflating and three times as fast at level-1 deflate (bench/nifti_io.py). NIfTI volumes are whole
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

    /// Compresses the concatenation of `segments` into one gzip member and writes it to `fd`.
    static func write(segments: [UnsafeRawBufferPointer], to fd: Int32, level: Int, path: String) throws {
        let total = segments.reduce(0) { $0 + $1.count }
        guard let c = libdeflate_alloc_compressor(Int32(level)) else {
            throw NIfTIError.io(file: path, problem: "libdeflate could not allocate a level-\(level) compressor")
        }
        defer { libdeflate_free_compressor(c) }
        // One contiguous input (header + voxels): a single copy, far cheaper than the compression.
        let input = UnsafeMutableRawBufferPointer.allocate(byteCount: max(total, 1), alignment: 64)
        defer { input.deallocate() }
        var at = 0
        for s in segments where s.count > 0 {
            (input.baseAddress! + at).copyMemory(from: s.baseAddress!, byteCount: s.count)
            at += s.count
        }
        let bound = libdeflate_gzip_compress_bound(c, total)
        let output = UnsafeMutableRawBufferPointer.allocate(byteCount: bound, alignment: 64)
        defer { output.deallocate() }
        let n = libdeflate_gzip_compress(c, input.baseAddress!, total, output.baseAddress!, bound)
        guard n > 0 else { throw NIfTIError.io(file: path, problem: "libdeflate compression failed") }
        try FileDescriptor.writeAll(fd, output.baseAddress!, n, path: path)
    }
}
