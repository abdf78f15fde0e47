import ImageCore

/// Connected-component labelling on runs of voxels along i, with union-find between runs of
/// neighbouring rows. A run stands for many voxels, so the union-find works on far fewer nodes than
/// voxels (a brain mask of 10⁷ voxels is ~10⁵ runs), and the run extraction is parallel by slice.
///
/// Shared by connected components and hole filling (which labels the background instead).
struct RunLengthLabeller {
    let nx: Int, ny: Int, nz: Int
    /// Inclusive run bounds along i, rows in raster order (row = k * ny + j).
    private(set) var starts: [Int32] = []
    private(set) var ends: [Int32] = []
    /// Runs of row r are `rowOffsets[r] ..< rowOffsets[r + 1]`.
    private(set) var rowOffsets: [Int] = []
    /// Component (0-based, in raster order of first appearance) of each run.
    private(set) var component: [Int32] = []
    private(set) var componentCount = 0

    /// Labels the voxels of `buffer` (size nx*ny*nz) whose non-zero-ness equals `foreground`.
    init(_ buffer: UnsafeBufferPointer<UInt8>, size: SIMD3<Int>, foreground: Bool, connectivity: Connectivity) {
        nx = size.x; ny = size.y; nz = size.z
        extractRuns(buffer, foreground: foreground)
        link(connectivity)
    }

    private mutating func extractRuns(_ b: UnsafeBufferPointer<UInt8>, foreground: Bool) {
        let rows = ny * nz
        let nx = self.nx
        var counts = [Int](repeating: 0, count: rows + 1)
        @inline(__always) func inside(_ v: UInt8) -> Bool { (v != 0) == foreground }
        counts.withUnsafeMutableBufferPointer { c in
            let c = c
            parallelChunks(rows, minChunk: 64) { range in
                for r in range {
                    var n = 0, prev = false
                    let base = r * nx
                    for i in 0..<nx {
                        let cur = inside(b[base + i])
                        if cur && !prev { n += 1 }
                        prev = cur
                    }
                    c[r + 1] = n
                }
            }
        }
        for r in 0..<rows { counts[r + 1] += counts[r] }
        rowOffsets = counts
        let total = counts[rows]
        starts = [Int32](repeating: 0, count: total)
        ends = [Int32](repeating: 0, count: total)
        starts.withUnsafeMutableBufferPointer { s in
            ends.withUnsafeMutableBufferPointer { e in
                let s = s, e = e
                parallelChunks(rows, minChunk: 64) { range in
                    for r in range {
                        var n = counts[r], prev = false
                        let base = r * nx
                        for i in 0..<nx {
                            let cur = inside(b[base + i])
                            if cur && !prev { s[n] = Int32(i) }
                            if !cur && prev { e[n] = Int32(i - 1); n += 1 }
                            prev = cur
                        }
                        if prev { e[n] = Int32(nx - 1) }
                    }
                }
            }
        }
    }

    private mutating func link(_ connectivity: Connectivity) {
        let total = starts.count
        var parent = [Int32](0..<Int32(total))
        @inline(__always) func find(_ x: Int32) -> Int32 {
            var r = x
            while parent[Int(r)] != r { r = parent[Int(r)] }
            var y = x
            while parent[Int(y)] != r { let next = parent[Int(y)]; parent[Int(y)] = r; y = next }
            return r
        }
        @inline(__always) func union(_ a: Int32, _ b: Int32) {
            let ra = find(a), rb = find(b)
            if ra == rb { return }
            if ra < rb { parent[Int(rb)] = ra } else { parent[Int(ra)] = rb }
        }
        /// Joins the runs of `row` with those of `other` that overlap after widening by `slack`.
        func joinRows(_ row: Int, _ other: Int, slack: Int32) {
            var a = rowOffsets[row], b = rowOffsets[other]
            let aEnd = rowOffsets[row + 1], bEnd = rowOffsets[other + 1]
            while a < aEnd && b < bEnd {
                if starts[a] <= ends[b] + slack && starts[b] <= ends[a] + slack { union(Int32(a), Int32(b)) }
                // advance the run that finishes first
                if ends[a] < ends[b] { a += 1 } else { b += 1 }
            }
        }
        let diag: Int32 = connectivity == .six ? 0 : 1
        let corner: Int32 = connectivity == .twentySix ? 1 : 0
        for k in 0..<nz {
            for j in 0..<ny {
                let row = k * ny + j
                if rowOffsets[row] == rowOffsets[row + 1] { continue }
                if j > 0 { joinRows(row, row - 1, slack: diag) }
                if k > 0 {
                    let below = row - ny
                    joinRows(row, below, slack: diag)
                    if connectivity != .six {
                        if j > 0 { joinRows(row, below - 1, slack: corner) }
                        if j + 1 < ny { joinRows(row, below + 1, slack: corner) }
                    }
                }
            }
        }
        var ids = [Int32](repeating: -1, count: total)
        var next: Int32 = 0
        component = [Int32](repeating: 0, count: total)
        for r in 0..<total {
            let root = Int(find(Int32(r)))
            if ids[root] < 0 { ids[root] = next; next += 1 }
            component[r] = ids[root]
        }
        componentCount = Int(next)
    }

    /// Voxel count of each component.
    func sizes() -> [Int] {
        var s = [Int](repeating: 0, count: componentCount)
        for r in 0..<starts.count { s[Int(component[r])] += Int(ends[r] - starts[r] + 1) }
        return s
    }

    /// For each component, whether one of its voxels lies on the grid border. Axes of length 1 have no
    /// border (a single slice is bounded only in-plane).
    func touchesBorder() -> [Bool] {
        var t = [Bool](repeating: false, count: componentCount)
        for k in 0..<nz {
            for j in 0..<ny {
                let row = k * ny + j
                let edgeRow = (ny > 1 && (j == 0 || j == ny - 1)) || (nz > 1 && (k == 0 || k == nz - 1))
                for r in rowOffsets[row]..<rowOffsets[row + 1] where edgeRow || starts[r] == 0 || Int(ends[r]) == nx - 1 {
                    t[Int(component[r])] = true
                }
            }
        }
        return t
    }

    /// Writes `value(component)` over every run whose value is non-nil, in parallel by row.
    func paint<T>(_ out: UnsafeMutableBufferPointer<T>, _ value: (Int) -> T?) {
        let rows = ny * nz
        let nx = self.nx
        parallelChunks(rows, minChunk: 64) { range in
            for row in range {
                for r in rowOffsets[row]..<rowOffsets[row + 1] {
                    guard let v = value(Int(component[r])) else { continue }
                    let base = row * nx
                    for i in Int(starts[r])...Int(ends[r]) { out[base + i] = v }
                }
            }
        }
    }
}
