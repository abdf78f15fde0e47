import COpenJPEG
import Foundation

/// JPEG 2000 (Part 1, lossless and lossy) through OpenJPEG, decoding from memory.
enum JPEG2000Decoder {
    /// The compressed bytes and read position handed to OpenJPEG's stream callbacks.
    final class Source {
        let data: [UInt8]
        var pos = 0
        var lastError = ""
        init(_ d: [UInt8]) { data = d }
    }

    static func decode(_ data: [UInt8], format: PixelFormat, file: String) throws -> [Int32] {
        func bad(_ s: String) -> DICOMError { .decodeFailed(file: file, problem: "JPEG 2000: \(s)") }
        guard data.count >= 12 else { throw bad("frame of \(data.count) bytes is too short") }
        // A bare codestream starts with SOC (FF 4F); a JP2 file with its signature box.
        let isJP2 = data[0] == 0 && data[1] == 0 && data[2] == 0 && data[3] == 0x0C
        guard let codec = opj_create_decompress(isJP2 ? OPJ_CODEC_JP2 : OPJ_CODEC_J2K) else { throw bad("cannot create decoder") }
        defer { opj_destroy_codec(codec) }
        let source = Source(data)
        let ctx = Unmanaged.passUnretained(source).toOpaque()
        let quiet: opj_msg_callback = { _, _ in }
        let recordError: opj_msg_callback = { msg, user in
            guard let msg, let user else { return }
            let s = Unmanaged<Source>.fromOpaque(user).takeUnretainedValue()
            s.lastError = String(cString: msg).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        opj_set_info_handler(codec, quiet, nil)
        opj_set_warning_handler(codec, quiet, nil)
        opj_set_error_handler(codec, recordError, ctx)
        var params = opj_dparameters_t()
        opj_set_default_decoder_parameters(&params)
        guard opj_setup_decoder(codec, &params) != 0 else { throw bad("cannot set up decoder") }

        guard let stream = opj_stream_create(Swift.min(data.count, 1 << 20), 1) else { throw bad("cannot create stream") }
        defer { opj_stream_destroy(stream) }
        opj_stream_set_user_data(stream, ctx, nil)
        opj_stream_set_user_data_length(stream, UInt64(data.count))
        opj_stream_set_read_function(stream) { buffer, n, user in
            let s = Unmanaged<Source>.fromOpaque(user!).takeUnretainedValue()
            let left = s.data.count - s.pos
            if left <= 0 { return Int.max }   // (OPJ_SIZE_T)-1 signals end of stream
            let k = Swift.min(left, n)
            s.data.withUnsafeBytes { src in buffer!.copyMemory(from: src.baseAddress! + s.pos, byteCount: k) }
            s.pos += k
            return k
        }
        opj_stream_set_skip_function(stream) { n, user in
            let s = Unmanaged<Source>.fromOpaque(user!).takeUnretainedValue()
            let target = Swift.max(0, Swift.min(s.data.count, s.pos + Int(n)))
            let moved = target - s.pos
            s.pos = target
            return Int64(moved)
        }
        opj_stream_set_seek_function(stream) { n, user in
            let s = Unmanaged<Source>.fromOpaque(user!).takeUnretainedValue()
            guard n >= 0, Int(n) <= s.data.count else { return 0 }
            s.pos = Int(n)
            return 1
        }
        var imagePtr: UnsafeMutablePointer<opj_image_t>? = nil
        guard opj_read_header(stream, codec, &imagePtr) != 0, let image = imagePtr else {
            throw bad("cannot read the codestream header\(source.lastError.isEmpty ? "" : " (\(source.lastError))")")
        }
        defer { opj_image_destroy(image) }
        let img = image.pointee
        let nc = Int(img.numcomps)
        guard nc == format.samplesPerPixel, let comps = img.comps else {
            throw bad("codestream has \(nc) components, the DICOM header says \(format.samplesPerPixel)")
        }
        guard Int(img.x1 - img.x0) == format.columns, Int(img.y1 - img.y0) == format.rows else {
            throw bad("codestream is \(img.x1 - img.x0)x\(img.y1 - img.y0), the DICOM header says \(format.columns)x\(format.rows)")
        }
        guard opj_decode(codec, stream, image) != 0, opj_end_decompress(codec, stream) != 0 else {
            throw bad("decoding failed\(source.lastError.isEmpty ? "" : " (\(source.lastError))")")
        }
        let pixels = format.pixelsPerFrame
        var out = [Int32](repeating: 0, count: pixels * nc)
        for c in 0..<nc {
            let comp = comps[c]
            guard comp.w == UInt32(format.columns), comp.h == UInt32(format.rows), comp.dx == 1, comp.dy == 1, let src = comp.data else {
                throw bad("component \(c) is subsampled or empty")
            }
            for i in 0..<pixels { out[i * nc + c] = src[i] }
        }
        return out
    }
}
