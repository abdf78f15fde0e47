import Foundation
import ImageCore

/// One read of one file: header, extension skipping, plausibility checks, then voxels streamed into
/// their final array.
struct NIfTIReader {
    let url: URL
    let source: ByteSource
    let header: NIfTIHeader
    /// Bytes of voxel data the header announces (already checked against the file and memory).
    let payloadBytes: Int

    private var path: String { url.path }

    init(url: URL) throws {
        self.url = url
        let path = url.path
        source = try openByteSource(url)
        var bytes = try source.readBytes(348)
        guard bytes.count >= 4 else {
            throw NIfTIError(.truncated, file: path, problem: "the file holds only \(bytes.count) bytes, not even a header size field")
        }
        if let layout = NIfTIHeader.detectLayout(Array(bytes.prefix(4))), layout.version == 2, bytes.count == 348 {
            bytes += try source.readBytes(540 - 348)
        }
        let h = try NIfTIHeader.decode(bytes, file: path)
        // Extensions (if any) lie between the header and vox_offset; they are skipped, never parsed. An
        // offset beyond anything the file could hold is refused before skipping towards it.
        let reach = source.isCompressed ? source.fileSize.multipliedReportingOverflow(by: 1032).partialValue + (1 << 16) : source.fileSize
        guard h.voxOffset <= reach else {
            throw NIfTIError(.truncated, file: path, problem: "vox_offset \(h.voxOffset) lies beyond the end of the \(source.fileSize)-byte file")
        }
        let gap = h.voxOffset - h.headerSize
        let skipped = try source.skip(gap)
        guard skipped == gap else {
            throw NIfTIError(.truncated, file: path, problem: "the file ends at byte \(h.headerSize + skipped), before the voxel data offset \(h.voxOffset)")
        }
        guard let total = h.voxelDataByteCount else {
            throw NIfTIError(.tooLarge, file: path, problem: "the dimensions overflow")
        }
        try NIfTIReader.checkPlausible(total: total, header: h, source: source, file: path)
        header = h
        payloadBytes = total
    }

    /// Refuses sizes that cannot be real before anything of that size is allocated: more than the
    /// machine's memory, more than an uncompressed file holds, or more than deflate could possibly have
    /// packed into the compressed file (its best case is 1032:1) — the "gzip bomb claim".
    static func checkPlausible(total: Int, header h: NIfTIHeader, source: ByteSource, file: String) throws {
        let memory = Int(clamping: ProcessInfo.processInfo.physicalMemory)
        let dims = Array(h.dim[1...h.dimensionCount])
        if total > memory {
            throw NIfTIError(.tooLarge, file: file, problem: "the header's dimensions \(dims) of \(h.datatype.name) need \(formatBytes(total)), more than this machine's \(formatBytes(memory)) of memory")
        }
        if source.isCompressed {
            let (bound, overflow) = source.fileSize.multipliedReportingOverflow(by: 1032)
            if !overflow && total > bound + (1 << 16) {
                throw NIfTIError(.tooLarge, file: file, problem: "the header's dimensions \(dims) of \(h.datatype.name) need \(formatBytes(total)), but \(formatBytes(source.fileSize)) of gzip data can expand to at most about \(formatBytes(bound)) (header claims far more data than the file holds)")
            }
        } else if h.voxOffset + total > source.fileSize {
            let have = max(0, source.fileSize - h.voxOffset)
            throw NIfTIError(.truncated, file: file, problem: "the header announces \(total) bytes of voxel data from offset \(h.voxOffset), but the file holds only \(have)")
        }
    }

    /// The best affine and the LPS geometry built from it.
    func geometry() throws -> (geometry: Geometry, affineRAS: Matrix4, source: NIfTIAffineSource) {
        let (affine, src) = try header.bestAffine(file: path)
        guard affine.isFinite else {
            throw NIfTIError(.invalidAffine, file: path, problem: "the \(src.rawValue) affine contains NaN or infinite values: \(affine.m.prefix(12).map { "\($0)" }.joined(separator: " "))")
        }
        do {
            let g = try Geometry(size: header.spatialSize, affineRAS: affine)
            return (g, affine, src)
        } catch let e as ImageCoreError {
            throw NIfTIError(.invalidAffine, file: path, problem: "the \(src.rawValue) affine is unusable (\(e))")
        }
    }

    /// Reads `count` elements of `S` (the whole voxel payload) into a new array, fixes the byte order
    /// and verifies the gzip checksum. gzip files are inflated whole by libdeflate straight into the
    /// array when they allow it, otherwise streamed through zlib into it; either way there is no
    /// intermediate copy of the data.
    func readArray<S>(_ type: S.Type, count: Int) throws -> [S] {
        let stride = MemoryLayout<S>.stride
        let bytes = count * stride
        // Room for the header too, so the whole-buffer path can inflate the complete stream in place.
        let total = header.voxOffset + bytes
        let capacity = source.isCompressed ? (total + stride - 1) / stride : count
        return try [S](unsafeUninitializedCapacity: capacity) { buf, initialized in
            let raw = UnsafeMutableRawBufferPointer(buf)
            var done = false
            if let gz = source as? GzipSource {
                done = WholeBufferGzip.decompressPayload(fd: gz.file.fd, fileSize: gz.fileSize, total: total,
                                                         voxOffset: header.voxOffset, into: raw.baseAddress!)
            }
            if !done {
                let got = try source.read(into: raw.baseAddress!, count: bytes)
                guard got == bytes else {
                    throw NIfTIError(.truncated, file: path, problem: "the voxel data ends after \(got) of the \(bytes) bytes the header announces")
                }
                try source.finish()
            }
            if header.endianness == .big { swapByteOrder(UnsafeMutableRawBufferPointer(rebasing: raw[0..<bytes]), scalarSize: stride) }
            initialized = count
        }
    }

    /// Number of stored elements (voxels x 4th..7th dimensions).
    var elementCount: Int { payloadBytes / header.datatype.bytesPerVoxel }

    /// Reads all voxel data in its stored type.
    func readData() throws -> (data: NIfTIVoxelData, components: Int) {
        let n = elementCount
        let comps = header.componentCount
        let data: NIfTIVoxelData
        switch header.datatype {
        case .uint8: data = .uint8(try readArray(UInt8.self, count: n))
        case .int8: data = .int8(try readArray(Int8.self, count: n))
        case .int16: data = .int16(try readArray(Int16.self, count: n))
        case .uint16: data = .uint16(try readArray(UInt16.self, count: n))
        case .int32: data = .int32(try readArray(Int32.self, count: n))
        case .uint32: data = .uint32(try readArray(UInt32.self, count: n))
        case .int64: data = .int64(try readArray(Int64.self, count: n))
        case .uint64: data = .uint64(try readArray(UInt64.self, count: n))
        case .float32: data = .float32(try readArray(Float.self, count: n))
        case .float64: data = .float64(try readArray(Double.self, count: n))
        case .rgb24:
            // Interleaved R,G,B per voxel on disk; planar components in memory, like every vector image.
            let interleaved = try readArray(UInt8.self, count: 3 * n)
            let planar = [UInt8](unsafeUninitializedCapacity: 3 * n) { out, initialized in
                interleaved.withUnsafeBufferPointer { src in
                    let dst = out
                    parallelChunks(n, minChunk: 1 << 16) { range in
                        for v in range {
                            dst[v] = src[3 * v]; dst[n + v] = src[3 * v + 1]; dst[2 * n + v] = src[3 * v + 2]
                        }
                    }
                }
                initialized = 3 * n
            }
            return (.uint8(planar), comps * 3)
        }
        return (data, comps)
    }
}

func formatBytes(_ n: Int) -> String {
    let units = ["bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"]
    var v = Double(n)
    var u = 0
    while v >= 1024 && u < units.count - 1 { v /= 1024; u += 1 }
    return u == 0 ? "\(n) bytes" : String(format: "%.1f", v) + " " + units[u]
}
