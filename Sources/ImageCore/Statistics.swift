/// Summary of the values of a volume, optionally within a mask.
///
/// NaN voxels are skipped (like numpy's `nanmin`/`nanmean`/`nanpercentile`) and counted in
/// `nanCount`; infinities are ordinary values (they make the mean infinite). When no value is left
/// (empty mask, everything NaN) the functions throw `ImageCoreError.emptySelection`. For vector
/// images all components are pooled and the mask applies to each. Sums run in Float64 over fixed
/// blocks combined in order, so the result does not depend on the thread count.
public struct VolumeStatistics: Equatable, Sendable {
    /// Values used (voxels in the mask times components, minus NaNs).
    public var count: Int
    /// NaN values skipped.
    public var nanCount: Int
    public var min: Double
    public var max: Double
    public var mean: Double
    /// Population standard deviation (divides by `count`, numpy's default `ddof=0`).
    public var standardDeviation: Double
}

extension Volume {
    @_specialize(where Voxel == Float)
    @_specialize(where Voxel == Double)
    @_specialize(where Voxel == UInt8)
    @_specialize(where Voxel == Int16)
    @_specialize(where Voxel == UInt16)
    @_specialize(where Voxel == Int32)
    public func statistics(mask: Volume<UInt8>? = nil) throws -> VolumeStatistics {
        if let mask { try checkMask(mask) }
        let n = voxelCount, comps = components
        let (partials, squares): ([StatisticsPartial], Double) = data.withUnsafeBufferPointer { d in
            let m = mask?.data
            return m.withUnsafeBufferPointerOrNil { mp in
                let firstPass = parallelMapBlocks(n) { range -> StatisticsPartial in
                    var p = StatisticsPartial()
                    for c in 0..<comps {
                        let base = d.baseAddress! + c * n
                        for v in range where mp == nil || mp![v] != 0 {
                            let x = base[v].doubleValue
                            if x.isNaN { p.nan += 1; continue }
                            p.count += 1
                            p.sum += x
                            if x < p.min { p.min = x }
                            if x > p.max { p.max = x }
                        }
                    }
                    return p
                }
                let count = firstPass.reduce(0) { $0 + $1.count }
                guard count > 0 else { return (firstPass, 0) }
                let mean = firstPass.reduce(0.0) { $0 + $1.sum } / Double(count)
                let sq = parallelMapBlocks(n) { range -> Double in
                    var s = 0.0
                    for c in 0..<comps {
                        let base = d.baseAddress! + c * n
                        for v in range where mp == nil || mp![v] != 0 {
                            let x = base[v].doubleValue
                            if !x.isNaN { s += (x - mean) * (x - mean) }
                        }
                    }
                    return s
                }.reduce(0, +)
                return (firstPass, sq)
            }
        }
        let count = partials.reduce(0) { $0 + $1.count }
        let nan = partials.reduce(0) { $0 + $1.nan }
        guard count > 0 else {
            throw ImageCoreError.nothingSelected(masked: mask != nil)
        }
        let mean = partials.reduce(0.0) { $0 + $1.sum } / Double(count)
        return VolumeStatistics(count: count, nanCount: nan,
                                min: partials.reduce(Double.infinity) { Swift.min($0, $1.min) },
                                max: partials.reduce(-Double.infinity) { Swift.max($0, $1.max) },
                                mean: mean, standardDeviation: (squares / Double(count)).squareRoot())
    }

    /// Exact percentiles (0...100) with numpy's default linear interpolation between order
    /// statistics: position `(count - 1) * p / 100` in the sorted values. Found by selection
    /// (quickselect with three-way partitioning, expected linear time), not by sorting or binning.
    @_specialize(where Voxel == Float)
    @_specialize(where Voxel == Double)
    @_specialize(where Voxel == UInt8)
    @_specialize(where Voxel == Int16)
    @_specialize(where Voxel == UInt16)
    @_specialize(where Voxel == Int32)
    public func percentiles(_ ps: [Double], mask: Volume<UInt8>? = nil) throws -> [Double] {
        for p in ps where !(p >= 0 && p <= 100) {
            throw ImageCoreError.invalidArgument("percentiles must be within 0...100, got \(p)")
        }
        if let mask { try checkMask(mask) }
        var values = selectedValues(mask: mask)
        guard !values.isEmpty else {
            throw ImageCoreError.nothingSelected(masked: mask != nil)
        }
        let count = values.count
        let positions = ps.map { Double(count - 1) * ($0 / 100) }
        var needed = Set<Int>()
        for h in positions {
            let lo = Int(h.rounded(.down))
            needed.insert(lo)
            if lo + 1 < count && h > Double(lo) { needed.insert(lo + 1) }
        }
        var order = [Int: Double]()
        values.withUnsafeMutableBufferPointer { buf in
            var rng = SplitMix64(seed: 0x5EED)
            var start = 0
            for k in needed.sorted() {
                Selection.select(buf.baseAddress!, start, count, k, &rng)
                order[k] = buf[k].doubleValue
                start = k + 1
            }
        }
        return positions.map { h in
            let lo = Int(h.rounded(.down))
            let a = order[lo]!
            guard lo + 1 < count, h > Double(lo) else { return a }
            let b = order[lo + 1]!, t = h - Double(lo)
            return t < 0.5 ? a + (b - a) * t : b - (b - a) * (1 - t)
        }
    }

    public func percentile(_ p: Double, mask: Volume<UInt8>? = nil) throws -> Double {
        try percentiles([p], mask: mask)[0]
    }

    /// Non-NaN values inside the mask (all components), in memory order.
    func selectedValues(mask: Volume<UInt8>?) -> [Voxel] {
        var out = [Voxel]()
        let n = voxelCount
        out.reserveCapacity(mask == nil ? data.count : 0)
        data.withUnsafeBufferPointer { d in
            for c in 0..<components {
                let base = d.baseAddress! + c * n
                if let m = mask {
                    m.data.withUnsafeBufferPointer { mp in
                        for v in 0..<n where mp[v] != 0 && base[v] == base[v] { out.append(base[v]) }
                    }
                } else {
                    for v in 0..<n where base[v] == base[v] { out.append(base[v]) }
                }
            }
        }
        return out
    }
}

extension ImageCoreError {
    /// What `statistics` and `percentiles` throw when no value is left to summarise.
    static func nothingSelected(masked: Bool) -> ImageCoreError {
        .emptySelection(masked ? "the mask selects no voxel with a value (empty mask or only NaN)" : "every voxel is NaN")
    }
}

/// Per-block running values of the first statistics pass.
struct StatisticsPartial { var count = 0, nan = 0, sum = 0.0, min = Double.infinity, max = -Double.infinity }

extension Optional where Wrapped == [UInt8] {
    /// Runs `body` with the array's buffer, or nil.
    func withUnsafeBufferPointerOrNil<R>(_ body: (UnsafeBufferPointer<UInt8>?) -> R) -> R {
        switch self {
        case .some(let a): return a.withUnsafeBufferPointer { body($0) }
        case .none: return body(nil)
        }
    }
}

enum Selection {
    /// Rearranges `a[lo..<hi]` so that `a[k]` holds the value it would have if sorted, everything
    /// before it is <= and everything after is >=. Three-way partitioning keeps it linear on data
    /// with many equal values (CT background).
    @inline(__always)
    static func select<V: Comparable>(_ a: UnsafeMutablePointer<V>, _ lo: Int, _ hi: Int, _ k: Int, _ rng: inout SplitMix64) {
        var lo = lo, hi = hi
        while hi - lo > 24 {
            let pivot = a[lo + Int(rng.next() % UInt64(hi - lo))]
            var lt = lo, i = lo, gt = hi
            while i < gt {
                let x = a[i]
                if x < pivot { a.swapAt(lt, i); lt += 1; i += 1 } else if pivot < x { gt -= 1; a.swapAt(i, gt) } else { i += 1 }
            }
            if k < lt { hi = lt } else if k >= gt { lo = gt } else { return }
        }
        // Insertion sort of the small remainder.
        if hi - lo < 2 { return }
        for i in (lo + 1)..<hi {
            let x = a[i]
            var j = i
            while j > lo && x < a[j - 1] { a[j] = a[j - 1]; j -= 1 }
            a[j] = x
        }
    }
}

extension UnsafeMutablePointer {
    @inline(__always)
    func swapAt(_ i: Int, _ j: Int) {
        let t = self[i]; self[i] = self[j]; self[j] = t
    }
}
