import CTurboJPEG

/// 8-bit DCT JPEG (Baseline, process 1; and 8-bit frames of Extended, process 2) through libjpeg-turbo's
/// TurboJPEG API, with the accurate integer IDCT so results match IJG-based decoders (dcmtk, GDCM).
/// Debian's libjpeg-turbo 2.1 has no 12-bit build: those frames go to `JPEGExtendedDecoder`.
enum JPEGBaselineDecoder {
    static func decode(_ data: [UInt8], format: PixelFormat, file: String) throws -> [Int32] {
        func bad(_ s: String) -> DICOMError { .decodeFailed(file: file, problem: "JPEG baseline: \(s)") }
        guard !data.isEmpty else { throw bad("empty frame") }
        guard let h = tjInitDecompress() else { throw bad("cannot create decoder") }
        defer { tjDestroy(h) }
        var w: Int32 = 0, ht: Int32 = 0, sub: Int32 = 0, cs: Int32 = 0
        let rc = data.withUnsafeBufferPointer { tjDecompressHeader3(h, $0.baseAddress, UInt(data.count), &w, &ht, &sub, &cs) }
        guard rc == 0 else { throw bad(String(cString: tjGetErrorStr2(h))) }
        let spp = format.samplesPerPixel
        guard Int(w) == format.columns, Int(ht) == format.rows else {
            throw bad("frame is \(w)x\(ht), the DICOM header says \(format.columns)x\(format.rows)")
        }
        let pixelFormat = spp == 1 ? TJPF_GRAY : TJPF_RGB
        var buf = [UInt8](repeating: 0, count: format.pixelsPerFrame * spp)
        let rc2 = data.withUnsafeBufferPointer { src in
            buf.withUnsafeMutableBufferPointer { dst in
                tjDecompress2(h, src.baseAddress, UInt(data.count), dst.baseAddress, w, 0, ht, pixelFormat.rawValue, TJFLAG_ACCURATEDCT)
            }
        }
        guard rc2 == 0 else { throw bad(String(cString: tjGetErrorStr2(h))) }
        return buf.map { Int32($0) }
    }
}
