import Foundation
import ImageCore

/// Writes a CT Image Storage series from a volume in HU, for tests and later pipeline stages that
/// need DICOM input with known truth: optional thick slices, gantry tilt (a sheared grid, as a tilted
/// scanner acquires it), 60xx overlays (separate Overlay Data, or embedded in unused high bits as old
/// scanners did), and Explicit VR LE, Implicit VR LE or RLE Lossless encoding.
public enum CTSeriesSynthesizer {
    public enum Encoding: String, Sendable, CaseIterable {
        case explicitLittle, implicitLittle, rle
        var syntax: TransferSyntax {
            switch self {
            case .explicitLittle: return .explicitLittle
            case .implicitLittle: return .implicitLittle
            case .rle: return .rleLossless
            }
        }
    }

    public struct Options: Sendable {
        /// New slice spacing and thickness along the volume's k axis (linear interpolation); nil keeps the grid.
        public var sliceThickness: Double? = nil
        /// Gantry tilt in degrees: image planes rotate about the row axis while slices stay stacked along k.
        public var tiltDegrees: Double = 0
        public var encoding: Encoding = .explicitLittle
        /// Put overlay bits in bit 15 of 12-bit stored pixels instead of Overlay Data.
        public var embedOverlayInPixelData = false
        public var studyInstanceUID: String = UIDGenerator.make()
        public var frameOfReferenceUID: String = UIDGenerator.make()
        /// nil: a new series UID per call.
        public var seriesInstanceUID: String? = nil
        public var studyDescription = "CT HEAD WO CONTRAST"
        public var seriesDescription = "HEAD NON-CONTRAST"
        public var seriesNumber = 2
        public var kernel = "H30s"
        public var imageType = ["ORIGINAL", "PRIMARY", "AXIAL"]
        public var contrastAgent: String? = nil
        public var bodyPart = "HEAD"
        public var rescaleIntercept = -1024
        /// File name prefix inside the output folder.
        public var filePrefix = "IM"
        public init() {}
    }

    public struct Result: Sendable {
        public var files: [URL]
        /// The HU values and grid actually written (what a correct reader must give back).
        public var volume: Volume<Float>
        public var overlay: Volume<UInt8>?
        public var seriesInstanceUID: String
        public var overlaySlices: Int
    }

    /// The grid written for `source` under `options` (tilt shears j about i; thickness resamples k).
    public static func targetGeometry(_ source: Geometry, _ options: Options) -> Geometry {
        var g = source
        if let t = options.sliceThickness, t > 0 {
            let extent = Double(source.size.z - 1) * source.spacing.z
            g.size.z = max(1, Int((extent / t + 1e-9).rounded(.down)) + 1)
            g.spacing.z = t
        }
        if options.tiltDegrees != 0 {
            let a = options.tiltDegrees * .pi / 180
            let i = source.direction[0], j = source.direction[1]
            let w = SIMD3(i.y * j.z - i.z * j.y, i.z * j.x - i.x * j.z, i.x * j.y - i.y * j.x)   // i x j
            g.direction[1] = j * cos(a) + w * sin(a)
        }
        return g
    }

    public static func write(_ hu: Volume<Float>, overlay: Volume<UInt8>? = nil, to dir: URL, options: Options = Options()) throws -> Result {
        if let m = overlay, m.size != hu.size {
            throw DICOMError.invalidArgument("overlay mask \(m.size) does not match the volume \(hu.size)")
        }
        let src = hu.geometry
        let g = targetGeometry(src, options)
        guard g.size.x <= 65535, g.size.y <= 65535 else { throw DICOMError.invalidArgument("slices larger than 65535 pixels") }
        let same = g.isClose(to: src, tolerance: 1e-9)
        let embedded = options.embedOverlayInPixelData
        let intercept = Double(options.rescaleIntercept)
        let (lo, hi) = embedded ? (0.0, 4095.0) : (-32768.0, 32767.0)

        // Sample the written grid (exact copy when it is the source grid).
        var written = Volume<Float>(geometry: g)
        var mask: Volume<UInt8>? = overlay.map { _ in Volume<UInt8>(geometry: g) }
        let toSource = src.inverseAffineLPS * g.affineLPS
        let nx = g.size.x, ny = g.size.y
        written.data.withUnsafeMutableBufferPointer { wb in
            let w = wb
            var mb = mask?.data ?? []
            mb.withUnsafeMutableBufferPointer { mbuf in
                let m = mbuf
                parallelFor(g.size.z) { k in
                    for j in 0..<ny {
                        for i in 0..<nx {
                            let n = (k * ny + j) * nx + i
                            var v: Double
                            if same { v = Double(hu[i, j, k]) } else {
                                let p = toSource.apply(SIMD3(Double(i), Double(j), Double(k)))
                                v = Interpolation.trilinear(hu, p, outside: -1024)
                                if let o = overlay { m[n] = Interpolation.nearest(o, p) }
                            }
                            if same, let o = overlay { m[n] = o[i, j, k] }
                            let stored = min(hi, max(lo, (v.rounded() - intercept)))
                            w[n] = Float(stored + intercept)
                        }
                    }
                }
            }
            if mask != nil { mask!.data = mb }
        }

        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let seriesUID = options.seriesInstanceUID ?? UIDGenerator.make()
        let rowDir = g.direction[0], colDir = -g.direction[1]
        let normal = SIMD3(rowDir.y * colDir.z - rowDir.z * colDir.y, rowDir.z * colDir.x - rowDir.x * colDir.z, rowDir.x * colDir.y - rowDir.y * colDir.x)
        let nz = g.size.z
        var files = [URL?](repeating: nil, count: nz)
        var errors = [Error?](repeating: nil, count: nz)
        var carries = [Bool](repeating: false, count: nz)
        let writtenData = written.data
        let maskData = mask?.data
        files.withUnsafeMutableBufferPointer { fb in
        errors.withUnsafeMutableBufferPointer { eb in
        carries.withUnsafeMutableBufferPointer { cb in
            let (fOut, eOut, cOut) = (fb, eb, cb)
            parallelFor(nz) { k in
                // DICOM row r is volume row j = ny - 1 - r (the reader flips rows back).
                var words = [Int32](repeating: 0, count: nx * ny)
                var bits = [UInt8](repeating: 0, count: nx * ny)
                var any = false
                for r in 0..<ny {
                    let j = ny - 1 - r
                    for c in 0..<nx {
                        let n = (k * ny + j) * nx + c
                        words[r * nx + c] = Int32(Double(writtenData[n]) - intercept)
                        if let md = maskData, md[n] != 0 { bits[r * nx + c] = 1; any = true }
                    }
                }
                cOut[k] = any
                let ipp = g.worldLPS(SIMD3(0, Double(ny - 1), Double(k)))
                var ds = DataSetWriter()
                let sopUID = UIDGenerator.make()
                ds.add(Tag.specificCharacterSet, .CS, "ISO_IR 100")
                ds.add(Tag.imageType, .CS, options.imageType.joined(separator: "\\"))
                ds.add(Tag.sopClassUID, .UI, ctImageStorage)
                ds.add(Tag.sopInstanceUID, .UI, sopUID)
                ds.add(Tag.studyDate, .DA, "20200101")
                ds.add(Tag.studyTime, .TM, "120000")
                ds.add(Tag.accessionNumber, .SH, "")
                ds.add(Tag.modality, .CS, "CT")
                ds.add(Tag.manufacturer, .LO, "DeepStroke synthetic")
                ds.add(Tag.referringPhysicianName, .PN, "")
                ds.add(Tag.studyDescription, .LO, options.studyDescription)
                ds.add(Tag.seriesDescription, .LO, options.seriesDescription)
                ds.add(Tag.patientName, .PN, "SYNTHETIC^PHANTOM")
                ds.add(Tag.patientID, .LO, "SYNTH0001")
                ds.add(Tag.patientBirthDate, .DA, "")
                ds.add(Tag.patientSex, .CS, "O")
                if let agent = options.contrastAgent { ds.add(Tag.contrastBolusAgent, .LO, agent) }
                ds.add(Tag.bodyPartExamined, .CS, options.bodyPart)
                ds.add(Tag.sliceThickness, .DS, numbers: [options.sliceThickness ?? g.spacing.z])
                ds.add(Tag.kvp, .DS, numbers: [120])
                ds.add(Tag.spacingBetweenSlices, .DS, numbers: [g.spacing.z])
                ds.add(Tag.gantryDetectorTilt, .DS, numbers: [options.tiltDegrees])
                ds.add(Tag.convolutionKernel, .SH, options.kernel)
                ds.add(Tag.patientPosition, .CS, "HFS")
                ds.add(Tag.studyInstanceUID, .UI, options.studyInstanceUID)
                ds.add(Tag.seriesInstanceUID, .UI, seriesUID)
                ds.add(Tag.studyID, .SH, "1")
                ds.add(Tag.seriesNumber, .IS, String(options.seriesNumber))
                ds.add(Tag.acquisitionNumber, .IS, "1")
                ds.add(Tag.instanceNumber, .IS, String(k + 1))
                ds.add(Tag.imagePositionPatient, .DS, numbers: [ipp.x, ipp.y, ipp.z])
                ds.add(Tag.imageOrientationPatient, .DS, numbers: [rowDir.x, rowDir.y, rowDir.z, colDir.x, colDir.y, colDir.z])
                ds.add(Tag.frameOfReferenceUID, .UI, options.frameOfReferenceUID)
                ds.add(Tag.sliceLocation, .DS, numbers: [(ipp * normal).sum()])
                ds.addUS(Tag.samplesPerPixel, [1])
                ds.add(Tag.photometricInterpretation, .CS, "MONOCHROME2")
                ds.addUS(Tag.rows, [ny])
                ds.addUS(Tag.columns, [nx])
                ds.add(Tag.pixelSpacing, .DS, numbers: [g.spacing.y, g.spacing.x])
                ds.addUS(Tag.bitsAllocated, [16])
                ds.addUS(Tag.bitsStored, [embedded ? 12 : 16])
                ds.addUS(Tag.highBit, [embedded ? 11 : 15])
                ds.addUS(Tag.pixelRepresentation, [embedded ? 0 : 1])
                ds.add(Tag.windowCenter, .DS, numbers: [40])
                ds.add(Tag.windowWidth, .DS, numbers: [80])
                ds.add(Tag.rescaleIntercept, .DS, numbers: [intercept])
                ds.add(Tag.rescaleSlope, .DS, numbers: [1])
                ds.add(Tag.rescaleType, .LO, "HU")
                if any {
                    ds.addUS(Tag.overlayRows, [ny])
                    ds.addUS(Tag.overlayColumns, [nx])
                    ds.add(Tag.overlayDescription, .LO, "DeepStroke synthetic annotation")
                    ds.add(Tag.overlayType, .CS, "G")
                    ds.addSS(Tag.overlayOrigin, [1, 1])
                    if embedded {
                        ds.addUS(Tag.overlayBitsAllocated, [16])
                        ds.addUS(Tag.overlayBitPosition, [15])
                        for n in 0..<words.count where bits[n] != 0 { words[n] |= 1 << 15 }
                    } else {
                        ds.addUS(Tag.overlayBitsAllocated, [1])
                        ds.addUS(Tag.overlayBitPosition, [0])
                        var packed = [UInt8](repeating: 0, count: (bits.count + 15) / 16 * 2)
                        for n in 0..<bits.count where bits[n] != 0 { packed[n >> 3] |= 1 << UInt8(n & 7) }
                        ds.add(Tag.overlayData, .OW, bytes: packed)
                    }
                }
                let fmt = PixelFormat(rows: ny, columns: nx, bitsAllocated: 16, bitsStored: embedded ? 12 : 16, isSigned: !embedded)
                if options.encoding == .rle {
                    ds.addEncapsulated(Tag.pixelData, fragments: [RLEDecoder.encode(words, format: fmt)])
                } else {
                    var px = [UInt8](repeating: 0, count: words.count * 2)
                    for n in 0..<words.count {
                        let u = UInt16(truncatingIfNeeded: words[n])
                        px[2 * n] = UInt8(u & 0xFF); px[2 * n + 1] = UInt8(u >> 8)
                    }
                    ds.add(Tag.pixelData, .OW, bytes: px)
                }
                let bytes = DataSetWriter.part10(dataSet: ds, sopClassUID: ctImageStorage, sopInstanceUID: sopUID,
                                                 syntax: options.encoding.syntax)
                let number = String(k + 1)
                let url = dir.appendingPathComponent(options.filePrefix + String(repeating: "0", count: max(0, 5 - number.count)) + number + ".dcm")
                do {
                    try AtomicFile.write(Data(bytes), to: url)
                    fOut[k] = url
                } catch { eOut[k] = error }
            }
        }}}
        if let e = errors.compactMap({ $0 }).first { throw e }
        return Result(files: files.compactMap { $0 }, volume: written, overlay: mask, seriesInstanceUID: seriesUID,
                      overlaySlices: carries.filter { $0 }.count)
    }

    public static let ctImageStorage = "1.2.840.10008.5.1.4.1.1.2"
}

/// Interpolation used by the synthesizer to sample a volume at continuous voxel indices.
enum Interpolation {
    static func trilinear(_ v: Volume<Float>, _ p: SIMD3<Double>, outside: Double) -> Double {
        let s = v.size
        let x0 = Int(p.x.rounded(.down)), y0 = Int(p.y.rounded(.down)), z0 = Int(p.z.rounded(.down))
        let fx = p.x - Double(x0), fy = p.y - Double(y0), fz = p.z - Double(z0)
        var acc = 0.0
        for dz in 0...1 { for dy in 0...1 { for dx in 0...1 {
            let w = (dx == 0 ? 1 - fx : fx) * (dy == 0 ? 1 - fy : fy) * (dz == 0 ? 1 - fz : fz)
            if w == 0 { continue }
            let x = x0 + dx, y = y0 + dy, z = z0 + dz
            let val = x >= 0 && y >= 0 && z >= 0 && x < s.x && y < s.y && z < s.z ? Double(v[x, y, z]) : outside
            acc += w * val
        } } }
        return acc
    }

    static func nearest(_ v: Volume<UInt8>, _ p: SIMD3<Double>) -> UInt8 {
        let x = Int(p.x.rounded()), y = Int(p.y.rounded()), z = Int(p.z.rounded())
        guard x >= 0, y >= 0, z >= 0, x < v.size.x, y < v.size.y, z < v.size.z else { return 0 }
        return v[x, y, z]
    }
}
