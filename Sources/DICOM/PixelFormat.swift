/// How stored pixel values are laid out (Image Pixel module), validated once so decoders can trust it.
public struct PixelFormat: Equatable, Sendable {
    public var rows: Int
    public var columns: Int
    public var samplesPerPixel: Int
    public var bitsAllocated: Int
    public var bitsStored: Int
    public var highBit: Int
    public var isSigned: Bool
    /// 0: samples interleaved per pixel, 1: one plane per sample (native data only).
    public var planarConfiguration: Int
    public var photometric: String
    public var frames: Int

    public var pixelsPerFrame: Int { rows * columns }
    public var samplesPerFrame: Int { rows * columns * samplesPerPixel }
    /// Bytes of one native (uncompressed) frame.
    public var nativeFrameBytes: Int { samplesPerFrame * (bitsAllocated / 8) }

    public init(rows: Int, columns: Int, samplesPerPixel: Int = 1, bitsAllocated: Int = 16, bitsStored: Int = 16,
                highBit: Int? = nil, isSigned: Bool = true, planarConfiguration: Int = 0,
                photometric: String = "MONOCHROME2", frames: Int = 1) {
        self.rows = rows
        self.columns = columns
        self.samplesPerPixel = samplesPerPixel
        self.bitsAllocated = bitsAllocated
        self.bitsStored = bitsStored
        self.highBit = highBit ?? bitsStored - 1
        self.isSigned = isSigned
        self.planarConfiguration = planarConfiguration
        self.photometric = photometric
        self.frames = frames
    }

    /// Reads and checks the Image Pixel attributes of a dataset.
    public init(dataSet ds: DataSet, file: String, limits: DICOMLimits = .standard) throws {
        func need(_ tag: DICOMTag, _ name: String) throws -> Int {
            guard let v = ds.int(tag) else { throw DICOMError.notAnImage(file: file, problem: "\(name) \(tag) is missing") }
            return v
        }
        guard ds.contains(Tag.pixelData) else { throw DICOMError.notAnImage(file: file, problem: "no Pixel Data (7FE0,0010)") }
        rows = try need(Tag.rows, "Rows")
        columns = try need(Tag.columns, "Columns")
        bitsAllocated = try need(Tag.bitsAllocated, "Bits Allocated")
        bitsStored = ds.int(Tag.bitsStored) ?? bitsAllocated
        highBit = ds.int(Tag.highBit) ?? bitsStored - 1
        samplesPerPixel = ds.int(Tag.samplesPerPixel) ?? 1
        isSigned = (ds.int(Tag.pixelRepresentation) ?? 0) == 1
        planarConfiguration = ds.int(Tag.planarConfiguration) ?? 0
        photometric = ds.string(Tag.photometricInterpretation) ?? (samplesPerPixel == 1 ? "MONOCHROME2" : "RGB")
        frames = ds.int(Tag.numberOfFrames) ?? 1
        if frames == 0 { frames = 1 }
        try validate(file: file, limits: limits)
    }

    public func validate(file: String, limits: DICOMLimits = .standard) throws {
        func bad(_ s: String) -> DICOMError { .notAnImage(file: file, problem: s) }
        guard rows > 0, columns > 0 else { throw bad("image size \(columns)x\(rows) is empty") }
        guard rows <= 65535, columns <= 65535 else { throw bad("image size \(columns)x\(rows) is too large") }
        guard [8, 16, 32].contains(bitsAllocated) else {
            throw DICOMError.unsupported(file: file, problem: "Bits Allocated \(bitsAllocated) (only 8, 16 and 32 are supported)")
        }
        guard bitsStored >= 1, bitsStored <= bitsAllocated else { throw bad("Bits Stored \(bitsStored) does not fit Bits Allocated \(bitsAllocated)") }
        guard highBit >= bitsStored - 1, highBit < bitsAllocated else { throw bad("High Bit \(highBit) is inconsistent with Bits Stored \(bitsStored)") }
        guard samplesPerPixel == 1 || samplesPerPixel == 3 else { throw bad("Samples per Pixel \(samplesPerPixel) (1 or 3 expected)") }
        guard frames >= 1, frames <= 100_000 else { throw bad("Number of Frames \(frames) is out of range") }
        guard samplesPerFrame <= limits.maxSamplesPerFrame else { throw bad("a frame of \(columns)x\(rows)x\(samplesPerPixel) samples is absurdly large") }
        guard samplesPerFrame.multipliedReportingOverflow(by: frames).partialValue <= 1 << 32 else {
            throw bad("\(frames) frames of \(columns)x\(rows) is absurdly large")
        }
    }

    /// Converts a raw sample word to the stored value: drops bits above High Bit (where old files keep
    /// overlays), shifts when High Bit is not Bits Stored - 1, and sign-extends signed data.
    @inline(__always)
    public func storedValue(_ raw: Int32) -> Int32 {
        let shift = highBit + 1 - bitsStored
        let mask: UInt32 = bitsStored >= 32 ? 0xFFFF_FFFF : (UInt32(1) << UInt32(bitsStored)) - 1
        let v = (UInt32(bitPattern: raw) >> UInt32(shift)) & mask
        if isSigned && bitsStored < 32 && v & (UInt32(1) << UInt32(bitsStored - 1)) != 0 {
            return Int32(bitPattern: v | ~mask)
        }
        return Int32(bitPattern: v)
    }
}
