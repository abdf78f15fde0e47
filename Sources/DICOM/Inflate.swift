import CZlib

/// Raw-deflate decompression for the Deflated Explicit VR Little Endian transfer syntax.
enum Inflate {
    /// `maxOutputBytes` (`DICOMLimits.maxInflatedBytes`): a few hundred frames of 512x512x16 bit fit
    /// easily in the default; a deflate bomb stops before memory runs out.
    static func raw(_ input: UnsafeRawBufferPointer, file: String, maxOutputBytes: Int) throws -> ByteStore {
        var stream = z_stream()
        guard inflateInit2_(&stream, -MAX_WBITS, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw DICOMError.decodeFailed(file: file, problem: "zlib inflateInit failed")
        }
        defer { inflateEnd(&stream) }
        var capacity = Swift.max(4096, Swift.min(input.count * 4, maxOutputBytes))
        var out = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity, alignment: 16)
        var produced = 0
        stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self))
        stream.avail_in = uInt(input.count)
        while true {
            if produced == capacity {
                guard capacity < maxOutputBytes else {
                    out.deallocate()
                    throw DICOMError.malformed(file: file, problem: "deflated dataset inflates to more than \(maxOutputBytes >> 20) MiB; refusing")
                }
                let bigger = UnsafeMutableRawBufferPointer.allocate(byteCount: Swift.min(capacity * 2, maxOutputBytes), alignment: 16)
                bigger.copyMemory(from: UnsafeRawBufferPointer(out))
                out.deallocate()
                out = bigger
                capacity = bigger.count
            }
            stream.next_out = out.baseAddress!.advanced(by: produced).assumingMemoryBound(to: Bytef.self)
            stream.avail_out = uInt(capacity - produced)
            let rc = CZlib.inflate(&stream, Z_NO_FLUSH)
            produced = capacity - Int(stream.avail_out)
            if rc == Z_STREAM_END { break }
            if rc == Z_BUF_ERROR && stream.avail_in == 0 {
                out.deallocate()
                throw DICOMError.malformed(file: file, problem: "deflated dataset is cut short")
            }
            if rc != Z_OK && rc != Z_BUF_ERROR {
                out.deallocate()
                let msg = stream.msg.map { String(cString: $0) } ?? "error \(rc)"
                throw DICOMError.malformed(file: file, problem: "deflated dataset is corrupt (zlib: \(msg))")
            }
        }
        return ByteStore(owning: out, count: produced)
    }

    /// Raw deflate (no zlib header) for the writer's tests and for completeness.
    static func deflateRaw(_ input: [UInt8]) -> [UInt8] {
        var stream = z_stream()
        deflateInit2_(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY,
                      ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        defer { deflateEnd(&stream) }
        var out = [UInt8](repeating: 0, count: Int(deflateBound(&stream, uLong(input.count))) + 64)
        var inp = input
        let produced: Int = inp.withUnsafeMutableBytes { ib in
            out.withUnsafeMutableBytes { ob in
                stream.next_in = ib.baseAddress?.assumingMemoryBound(to: Bytef.self)
                stream.avail_in = uInt(ib.count)
                stream.next_out = ob.baseAddress!.assumingMemoryBound(to: Bytef.self)
                stream.avail_out = uInt(ob.count)
                _ = CZlib.deflate(&stream, Z_FINISH)
                return ob.count - Int(stream.avail_out)
            }
        }
        return Array(out[0..<produced])
    }
}
