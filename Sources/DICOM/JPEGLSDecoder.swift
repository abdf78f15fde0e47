import CCharLS

/// JPEG-LS (lossless and near-lossless) through CharLS.
enum JPEGLSDecoder {
    static func decode(_ data: [UInt8], format: PixelFormat, file: String) throws -> [Int32] {
        func bad(_ s: String) -> DICOMError { .decodeFailed(file: file, problem: "JPEG-LS: \(s)") }
        func check(_ rc: charls_jpegls_errc, _ what: String) throws {
            guard rc.rawValue == 0 else {
                let msg = charls_get_error_message(rc).map { String(cString: $0) } ?? "error \(rc.rawValue)"
                throw bad("\(what): \(msg)")
            }
        }
        guard !data.isEmpty else { throw bad("empty frame") }
        guard let dec = charls_jpegls_decoder_create() else { throw bad("cannot create decoder") }
        defer { charls_jpegls_decoder_destroy(dec) }
        return try data.withUnsafeBytes { src in
            try check(charls_jpegls_decoder_set_source_buffer(dec, src.baseAddress!, src.count), "source")
            try check(charls_jpegls_decoder_read_header(dec), "header")
            var info = charls_frame_info()
            try check(charls_jpegls_decoder_get_frame_info(dec, &info), "frame info")
            guard Int(info.width) == format.columns, Int(info.height) == format.rows,
                  Int(info.component_count) == format.samplesPerPixel else {
                throw bad("codestream is \(info.width)x\(info.height)x\(info.component_count), the DICOM header says \(format.columns)x\(format.rows)x\(format.samplesPerPixel)")
            }
            guard info.bits_per_sample >= 2, info.bits_per_sample <= 16 else { throw bad("\(info.bits_per_sample) bits per sample") }
            var interleave = charls_interleave_mode(0)
            try check(charls_jpegls_decoder_get_interleave_mode(dec, &interleave), "interleave mode")
            var size = 0
            try check(charls_jpegls_decoder_get_destination_size(dec, 0, &size), "destination size")
            let bytesPer = info.bits_per_sample > 8 ? 2 : 1
            let n = format.samplesPerFrame
            guard size == n * bytesPer else { throw bad("decoder wants \(size) bytes for \(n) samples") }
            var buf = [UInt8](repeating: 0, count: size)
            try buf.withUnsafeMutableBytes { dst in
                try check(charls_jpegls_decoder_decode_to_buffer(dec, dst.baseAddress!, dst.count, 0), "decode")
            }
            var out = [Int32](repeating: 0, count: n)
            let spp = format.samplesPerPixel
            let planar = spp > 1 && interleave.rawValue == 0
            let pixels = format.pixelsPerFrame
            for s in 0..<n {
                let v = bytesPer == 2 ? Int32(buf[2 * s]) | Int32(buf[2 * s + 1]) << 8 : Int32(buf[s])
                out[planar ? (s % pixels) * spp + s / pixels : s] = v
            }
            return out
        }
    }
}
