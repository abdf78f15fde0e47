import CTurboJPEG

/// 8-bit DCT JPEG (Baseline, process 1; and 8-bit frames of Extended, process 2) through libjpeg-turbo's
/// TurboJPEG API, with the accurate integer IDCT so results match IJG-based decoders (dcmtk, GDCM).
/// 12-bit Extended JPEG is not supported by Debian's libjpeg-turbo build and is refused by name.
enum JPEGBaselineDecoder {
    static func decode(_ data: [UInt8], format: PixelFormat, file: String) throws -> [Int32] {
        func bad(_ s: String) -> DICOMError { .decodeFailed(file: file, problem: "JPEG baseline: \(s)") }
        guard !data.isEmpty else { throw bad("empty frame") }
        // The precision byte of the SOF marker decides whether this decoder can handle the frame.
        if let p = sofPrecision(data), p != 8 {
            throw DICOMError.unsupported(file: file, problem: "\(p)-bit lossy JPEG (JPEG Extended, process 4) is not supported by the JPEG library available; only 8-bit DCT JPEG is")
        }
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

    /// Sample precision from the first SOF0/1/2 marker, if found.
    static func sofPrecision(_ d: [UInt8]) -> Int? {
        var p = 2
        while p + 4 < d.count {
            guard d[p] == 0xFF else { p += 1; continue }
            let m = d[p + 1]
            if m == 0xD8 || m == 0x01 || (m >= 0xD0 && m <= 0xD7) || m == 0xFF { p += (m == 0xFF ? 1 : 2); continue }
            if m == 0xC0 || m == 0xC1 || m == 0xC2 { return Int(d[p + 4]) }
            let len = Int(d[p + 2]) << 8 | Int(d[p + 3])
            p += 2 + len
        }
        return nil
    }
}
