/// Unpacks 60xx overlay planes of one frame into a 0/1 mask on the image grid (rows x columns,
/// row-major, DICOM row order).
enum OverlayDecoder {
    /// Sets mask[r * columns + c] = 1 for every set overlay bit of `frame` (0-based) that falls inside
    /// the image. `raw` is the frame's raw pixel words, for overlays embedded in unused high bits.
    /// Returns the number of bits set.
    @discardableResult
    static func apply(_ overlays: [OverlayInfo], dataSet ds: DataSet, frame: Int, raw: [Int32], format: PixelFormat,
                      into mask: inout [UInt8]) -> Int {
        var count = 0
        let rows = format.rows, cols = format.columns, spp = format.samplesPerPixel
        for ov in overlays {
            let idx = frame - (ov.firstFrame - 1)
            guard idx >= 0, idx < ov.frames else { continue }
            let r0 = ov.origin.row - 1, c0 = ov.origin.column - 1
            let planeBits = ov.rows * ov.columns
            if ov.hasOverlayData {
                guard let e = ds[DICOMTag(ov.group, 0x3000)] else { continue }
                let base = e.valueRange.lowerBound
                let availableBits = e.valueRange.count * 8
                let startBit = idx * planeBits
                guard startBit < availableBits else { continue }
                // Overlay Data is a bit stream in 16-bit words, least significant bit first; reading it
                // by words in the dataset's byte order handles big-endian files too.
                let big = ds.bigEndian && e.vr == .OW
                for r in 0..<ov.rows {
                    let ir = r + r0
                    for c in 0..<ov.columns {
                        let bit = startBit + r * ov.columns + c
                        guard bit < availableBits else { break }
                        let set: Bool
                        if big {
                            let w = ds.store.u16(base + (bit >> 4) * 2, bigEndian: true)
                            set = (w >> UInt16(bit & 15)) & 1 == 1
                        } else {
                            set = (ds.store.u8(base + (bit >> 3)) >> UInt8(bit & 7)) & 1 == 1
                        }
                        let ic = c + c0
                        if set, ir >= 0, ir < rows, ic >= 0, ic < cols {
                            if mask[ir * cols + ic] == 0 { count += 1 }
                            mask[ir * cols + ic] = 1
                        }
                    }
                }
            } else if ov.bitsAllocated > 1, ov.bitPosition < 32, raw.count == rows * cols * spp {
                let shift = Int32(ov.bitPosition)
                for r in 0..<ov.rows {
                    let ir = r + r0
                    guard ir >= 0, ir < rows else { continue }
                    for c in 0..<ov.columns {
                        let ic = c + c0
                        guard ic >= 0, ic < cols else { continue }
                        if (raw[(ir * cols + ic) * spp] >> shift) & 1 == 1 {
                            if mask[ir * cols + ic] == 0 { count += 1 }
                            mask[ir * cols + ic] = 1
                        }
                    }
                }
            }
        }
        return count
    }
}
