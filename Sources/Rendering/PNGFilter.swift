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

    /// Filters one row. `previous` is the unfiltered row above (zeros for the first row); `bpp` is bytes per pixel.
    func apply(_ row: ArraySlice<UInt8>, previous: ArraySlice<UInt8>?, bpp: Int, into out: inout [UInt8]) {
        let r = Array(row)
        let p = previous.map(Array.init) ?? [UInt8](repeating: 0, count: r.count)
        for x in 0..<r.count {
            let a = x >= bpp ? Int(r[x - bpp]) : 0
            let c = x >= bpp ? Int(p[x - bpp]) : 0
            out.append(UInt8(truncatingIfNeeded: Int(r[x]) - predict(a, Int(p[x]), c)))
        }
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
