/// Gives each frame of a file's Pixel Data as raw sample words (pixel-interleaved), whatever the
/// transfer syntax: native bytes are read in the file's byte order, compressed frames go through the
/// codec of the syntax. A syntax without a decoder is refused by name, never guessed at.
public struct PixelDataReader: Sendable {
    public let file: DICOMFile
    public let format: PixelFormat
    private let element: DataElement

    /// `file` must be fully parsed (not `stopAtPixelData`) for compressed syntaxes.
    public init(file: DICOMFile) throws {
        self.file = file
        format = try PixelFormat(dataSet: file.dataSet, file: file.name, limits: file.limits)
        guard let e = file.dataSet[Tag.pixelData] else { throw DICOMError.notAnImage(file: file.name, problem: "no Pixel Data") }
        element = e
        let ts = file.transferSyntax
        if ts.isEncapsulated {
            try PixelDataReader.checkCodec(ts, file: file.name)
            guard e.undefinedLength else {
                throw DICOMError.malformed(file: file.name, problem: "\(ts.name) requires encapsulated Pixel Data, found a defined length")
            }
            if e.fragments == nil {
                throw DICOMError.invalidArgument("\(file.name): read the file without stopAtPixelData to decode compressed frames")
            }
        } else {
            guard !e.undefinedLength else {
                throw DICOMError.malformed(file: file.name, problem: "Pixel Data is encapsulated but the transfer syntax \(ts.name) is not a compressed one")
            }
            let need = format.nativeFrameBytes * format.frames
            guard e.length >= need else {
                throw DICOMError.malformed(file: file.name, problem: "Pixel Data holds \(e.length) bytes but \(format.frames) frame(s) of \(format.columns)x\(format.rows)x\(format.samplesPerPixel) at \(format.bitsAllocated) bits need \(need) (file truncated?)")
            }
        }
    }

    static func checkCodec(_ ts: TransferSyntax, file: String) throws {
        switch ts.codec {
        case .native, .rle, .jpegLossless, .jpegLS, .jpeg2000, .jpegBaseline, .jpegExtended: return
        case .unknown:
            throw DICOMError.unsupported(file: file, problem: "transfer syntax \(ts.name) (\(ts.uid)) cannot be decoded")
        }
    }

    /// Raw sample words of frame `index` (before masking to Bits Stored), pixel-interleaved.
    public func rawFrame(_ index: Int) throws -> [Int32] {
        guard index >= 0, index < format.frames else {
            throw DICOMError.invalidArgument("\(file.name): frame \(index) out of range 0..<\(format.frames)")
        }
        let ts = file.transferSyntax
        if !ts.isEncapsulated { return nativeFrame(index) }
        let data = try encapsulatedFrame(index)
        let name = file.name
        let out: [Int32]
        switch ts.codec {
        case .rle: out = try RLEDecoder.decode(data, format: format, file: name)
        case .jpegLossless: out = try JPEGLosslessDecoder.decode(data, format: format, file: name)
        case .jpegLS: out = try JPEGLSDecoder.decode(data, format: format, file: name)
        case .jpeg2000: out = try JPEG2000Decoder.decode(data, format: format, file: name)
        case .jpegBaseline, .jpegExtended:
            // The frame header, not the transfer syntax, says the precision: Extended may hold 8-bit frames.
            if JPEGEntropy.dctPrecision(data) == 12 {
                out = try JPEGExtendedDecoder.decode(data, format: format, file: name)
            } else {
                out = try JPEGBaselineDecoder.decode(data, format: format, file: name)
            }
        default: try PixelDataReader.checkCodec(ts, file: name); out = []
        }
        guard out.count == format.samplesPerFrame else {
            throw DICOMError.decodeFailed(file: name, problem: "frame \(index) decoded to \(out.count) samples, expected \(format.samplesPerFrame)")
        }
        return out
    }

    /// Stored values of frame `index`: masked to Bits Stored and sign-extended.
    public func frame(_ index: Int) throws -> [Int32] {
        var f = try rawFrame(index)
        let fmt = format
        for n in f.indices { f[n] = fmt.storedValue(f[n]) }
        return f
    }

    private func nativeFrame(_ index: Int) -> [Int32] {
        let fmt = format
        let store = file.dataSet.store
        let big = file.dataSet.bigEndian
        let bytesPer = fmt.bitsAllocated / 8
        let base = element.valueRange.lowerBound + index * fmt.nativeFrameBytes
        let n = fmt.samplesPerFrame
        var out = [Int32](repeating: 0, count: n)
        let spp = fmt.samplesPerPixel
        let planes = spp > 1 && fmt.planarConfiguration == 1
        let pixels = fmt.pixelsPerFrame
        out.withUnsafeMutableBufferPointer { o in
            for s in 0..<n {
                let at = base + s * bytesPer
                let v: Int32
                switch bytesPer {
                case 1: v = Int32(store.u8(at))
                case 2: v = Int32(store.u16(at, bigEndian: big))
                default: v = Int32(bitPattern: store.u32(at, bigEndian: big))
                }
                // Planar colour data is re-interleaved so callers see one layout.
                let dst = planes ? (s % pixels) * spp + s / pixels : s
                o[dst] = v
            }
        }
        return out
    }

    /// The compressed bytes of one frame, found through the Extended or Basic Offset Table, the
    /// one-fragment-per-frame rule, or codec start markers.
    func encapsulatedFrame(_ index: Int) throws -> [UInt8] {
        let store = file.dataSet.store
        let name = file.name
        guard let frags = element.fragments, frags.count >= 2 else {
            throw DICOMError.malformed(file: name, problem: "encapsulated Pixel Data has no fragments after the offset table")
        }
        let dataFrags = Array(frags.dropFirst())
        func concat(_ rs: ArraySlice<Range<Int>>) -> [UInt8] {
            var out = [UInt8]()
            out.reserveCapacity(rs.reduce(0) { $0 + $1.count })
            for r in rs { out.append(contentsOf: store.slice(r)) }
            return out
        }
        let nFrames = format.frames
        if nFrames == 1 { return concat(dataFrags[...]) }
        // Offsets of fragments' item tags relative to the first fragment's item tag.
        let firstItem = dataFrags[0].lowerBound - 8
        let rel = dataFrags.map { $0.lowerBound - 8 - firstItem }
        let bot = frags[0]
        if bot.count >= 4 * nFrames {
            var starts: [Int] = []
            for f in 0..<nFrames { starts.append(Int(store.u32(bot.lowerBound + 4 * f, bigEndian: false))) }
            guard let a = rel.firstIndex(of: starts[index]) else {
                throw DICOMError.malformed(file: name, problem: "Basic Offset Table entry \(index) (\(starts[index])) does not point at a fragment")
            }
            var b = dataFrags.count
            if index + 1 < nFrames {
                guard let e = rel.firstIndex(of: starts[index + 1]), e > a else {
                    throw DICOMError.malformed(file: name, problem: "Basic Offset Table entry \(index + 1) does not point at a later fragment")
                }
                b = e
            }
            return concat(dataFrags[a..<b])
        }
        if dataFrags.count == nFrames { return concat(dataFrags[index...index]) }
        // No table and more fragments than frames: a frame starts with a JPEG SOI or a J2K SOC marker.
        var startsAt: [Int] = []
        for (n, r) in dataFrags.enumerated() where r.count >= 2 {
            let b0 = store.u8(r.lowerBound), b1 = store.u8(r.lowerBound + 1)
            if b0 == 0xFF && (b1 == 0xD8 || b1 == 0x4F) { startsAt.append(n) }
        }
        guard startsAt.count == nFrames, index < startsAt.count else {
            throw DICOMError.malformed(file: name, problem: "cannot tell which of \(dataFrags.count) fragments belong to which of \(nFrames) frames (no offset table)")
        }
        let a = startsAt[index]
        let b = index + 1 < startsAt.count ? startsAt[index + 1] : dataFrags.count
        return concat(dataFrags[a..<b])
    }
}
