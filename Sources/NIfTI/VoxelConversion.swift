import ImageCore

/// How values map on the way through a conversion.
enum VoxelScaling {
    case none
    /// out = value * slope + intercept (reading scaled files)
    case forward(slope: Double, intercept: Double)
    /// out = (value - intercept) / slope (writing scaled files)
    case inverse(slope: Double, intercept: Double)
}

/// Element-wise conversion between any two voxel types, through Double, in parallel.
///
/// Generic code called from another module runs unspecialised (every element through witness tables,
/// tens of nanoseconds each). So the work is split into two concrete loops over L1-sized blocks — stored
/// type to Double, Double to target type — each chosen by a switch over the ten NIfTI types, which lets
/// the compiler specialise and vectorise them whatever the caller's generic context.
func convertVoxels<S: VoxelType, T: VoxelType>(_ src: [S], to: T.Type, scaling: VoxelScaling) -> [T] {
    if case .none = scaling, S.self == T.self { return unsafeBitCast(src, to: [T].self) }
    let count = src.count
    guard let from = NIfTIDatatype(for: S.self), let into = NIfTIDatatype(for: T.self) else {
        return src.map { T(clampingDouble: apply(scaling, $0.doubleValue)) }
    }
    return [T](unsafeUninitializedCapacity: count) { dst, initialized in
        src.withUnsafeBytes { s in
            let source = s.baseAddress!
            let target = UnsafeMutableRawPointer(dst.baseAddress!)
            parallelChunks(count, minChunk: 1 << 15) { range in
                withUnsafeTemporaryAllocation(of: Double.self, capacity: 2048) { tmp in
                    var lo = range.lowerBound
                    while lo < range.upperBound {
                        let n = min(2048, range.upperBound - lo)
                        loadDoubles(from, source, lo, n, tmp)
                        switch scaling {
                        case .none: break
                        case .forward(let m, let b): for i in 0..<n { tmp[i] = tmp[i] * m + b }
                        case .inverse(let m, let b): for i in 0..<n { tmp[i] = (tmp[i] - b) / m }
                        }
                        storeDoubles(into, tmp, target, lo, n)
                        lo += n
                    }
                }
            }
        }
        initialized = count
    }
}

private func apply(_ s: VoxelScaling, _ v: Double) -> Double {
    switch s {
    case .none: return v
    case .forward(let m, let b): return v * m + b
    case .inverse(let m, let b): return (v - b) / m
    }
}

private func loadDoubles(_ type: NIfTIDatatype, _ src: UnsafeRawPointer, _ start: Int, _ n: Int,
                         _ out: UnsafeMutableBufferPointer<Double>) {
    func load<U: VoxelType>(_: U.Type) {
        let p = src.assumingMemoryBound(to: U.self) + start
        for i in 0..<n { out[i] = p[i].doubleValue }
    }
    switch type {
    case .uint8, .rgb24: load(UInt8.self)
    case .int8: load(Int8.self)
    case .int16: load(Int16.self)
    case .uint16: load(UInt16.self)
    case .int32: load(Int32.self)
    case .uint32: load(UInt32.self)
    case .int64: load(Int64.self)
    case .uint64: load(UInt64.self)
    case .float32: load(Float.self)
    case .float64: load(Double.self)
    }
}

private func storeDoubles(_ type: NIfTIDatatype, _ values: UnsafeMutableBufferPointer<Double>, _ dst: UnsafeMutableRawPointer,
                          _ start: Int, _ n: Int) {
    func store<U: VoxelType>(_: U.Type) {
        let p = dst.assumingMemoryBound(to: U.self) + start
        for i in 0..<n { p[i] = U(clampingDouble: values[i]) }
    }
    switch type {
    case .uint8, .rgb24: store(UInt8.self)
    case .int8: store(Int8.self)
    case .int16: store(Int16.self)
    case .uint16: store(UInt16.self)
    case .int32: store(Int32.self)
    case .uint32: store(UInt32.self)
    case .int64: store(Int64.self)
    case .uint64: store(UInt64.self)
    case .float32: store(Float.self)
    case .float64: store(Double.self)
    }
}
