/// PNG's five per-row prediction filters (PNG spec, section 9). The encoder picks one per row; the
/// decoder undoes whichever the file used, so both directions live here side by side.
enum PNGFilter: UInt8, CaseIterable {
    case none = 0, sub = 1, up = 2, average = 3, paeth = 4

    /// Paeth predictor: whichever of left, up, upper-left is closest to left + up - upper-left.
    @inline(__always)
    static func paeth(_ a: Int, _ b: Int, _ c: Int) -> Int {
        let p = a + b - c
        let pa = abs(p - a), pb = abs(p - b), pc = abs(p - c)
        if pa <= pb && pa <= pc { return a }
        return pb <= pc ? b : c
    }

    /// The value this filter predicts for byte x from its left neighbour a, upper b and upper-left c.
    @inline(__always)
    func predict(_ a: Int, _ b: Int, _ c: Int) -> Int {
        switch self {
        case .none: return 0
        case .sub: return a
        case .up: return b
        case .average: return (a + b) >> 1
        case .paeth: return PNGFilter.paeth(a, b, c)
        }
    }

    /// Filters the row of `rowBytes` bytes starting at `start` in `pixels` (the row above, if any, starts
    /// `rowBytes` earlier) into `out`, returning the sum of absolute signed filtered bytes (the encoder's cost).
    func apply(_ pixels: UnsafeBufferPointer<UInt8>, start: Int, rowBytes: Int, hasPrevious: Bool, bpp: Int,
               into out: UnsafeMutableBufferPointer<UInt8>) -> Int {
        var cost = 0
        for x in 0..<rowBytes {
            let a = x >= bpp ? Int(pixels[start + x - bpp]) : 0
            let b = hasPrevious ? Int(pixels[start - rowBytes + x]) : 0
            let c = hasPrevious && x >= bpp ? Int(pixels[start - rowBytes + x - bpp]) : 0
            let v = UInt8(truncatingIfNeeded: Int(pixels[start + x]) - predict(a, b, c))
            out[x] = v
            cost += abs(Int(Int8(bitPattern: v)))
        }
        return cost
    }

    /// Reverses the filter in place on `row` (already holding filtered bytes), given the reconstructed row above.
    func undo(_ row: inout [UInt8], previous: [UInt8], bpp: Int) {
        for x in 0..<row.count {
            let a = x >= bpp ? Int(row[x - bpp]) : 0
            let c = x >= bpp ? Int(previous[x - bpp]) : 0
            row[x] = UInt8(truncatingIfNeeded: Int(row[x]) + predict(a, Int(previous[x]), c))
        }
    }
}
