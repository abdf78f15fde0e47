import ImageCore

/// A file's voxel values exactly as stored (before scl_slope/scl_inter), in host byte order, in file
/// order (i fastest, then j, k, then the 4th..7th dimensions). One case per stored type so callers can
/// keep full precision (64-bit integers) or convert with `NIfTIImage.volume(as:)`.
public enum NIfTIVoxelData: Sendable, Equatable {
    case uint8([UInt8])
    case int8([Int8])
    case int16([Int16])
    case uint16([UInt16])
    case int32([Int32])
    case uint32([UInt32])
    case int64([Int64])
    case uint64([UInt64])
    case float32([Float])
    case float64([Double])

    public var count: Int {
        switch self {
        case .uint8(let a): return a.count
        case .int8(let a): return a.count
        case .int16(let a): return a.count
        case .uint16(let a): return a.count
        case .int32(let a): return a.count
        case .uint32(let a): return a.count
        case .int64(let a): return a.count
        case .uint64(let a): return a.count
        case .float32(let a): return a.count
        case .float64(let a): return a.count
        }
    }

    /// Calls `body` with the stored array, typed; the visitor keeps conversions generic instead of
    /// repeating them per case.
    func visit<V: NIfTIVoxelVisitor>(_ body: V) throws -> V.Result {
        switch self {
        case .uint8(let a): return try body.visit(a)
        case .int8(let a): return try body.visit(a)
        case .int16(let a): return try body.visit(a)
        case .uint16(let a): return try body.visit(a)
        case .int32(let a): return try body.visit(a)
        case .uint32(let a): return try body.visit(a)
        case .int64(let a): return try body.visit(a)
        case .uint64(let a): return try body.visit(a)
        case .float32(let a): return try body.visit(a)
        case .float64(let a): return try body.visit(a)
        }
    }

    /// Smallest and largest value after scaling, ignoring NaN; nil when there is no finite-or-infinite
    /// value at all (empty or all NaN).
    public func range(scaling: (slope: Double, intercept: Double)?) -> (min: Double, max: Double)? {
        try! visit(RangeVisitor(scaling: scaling))
    }
}

/// A generic operation over whichever array a `NIfTIVoxelData` holds.
protocol NIfTIVoxelVisitor {
    associatedtype Result
    func visit<S: VoxelType>(_ values: [S]) throws -> Result
}

private struct RangeVisitor: NIfTIVoxelVisitor {
    let scaling: (slope: Double, intercept: Double)?

    func visit<S: VoxelType>(_ values: [S]) -> (min: Double, max: Double)? {
        // Min and max of the stored values, then scaled: scaling is monotonic (the order flips for a
        // negative slope), and this keeps the hot loop free of floating-point work for integers.
        let extremes = Locked<(lo: S?, hi: S?)>((nil, nil))
        values.withUnsafeBufferPointer { buf in
            parallelChunks(buf.count, minChunk: 1 << 16) { range in
                var l: S? = nil, h: S? = nil
                for n in range {
                    let v = buf[n]
                    if v != v { continue }  // NaN
                    if l == nil || v < l! { l = v }
                    if h == nil || v > h! { h = v }
                }
                extremes.withLock { r in
                    if let l, r.lo == nil || l < r.lo! { r.lo = l }
                    if let h, r.hi == nil || h > r.hi! { r.hi = h }
                }
            }
        }
        guard let lo = extremes.current.lo, let hi = extremes.current.hi else { return nil }
        guard let s = scaling else { return (lo.doubleValue, hi.doubleValue) }
        let a = lo.doubleValue * s.slope + s.intercept
        let b = hi.doubleValue * s.slope + s.intercept
        return (Swift.min(a, b), Swift.max(a, b))
    }
}
