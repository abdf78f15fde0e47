import ImageCore

/// Inverse of a displacement field by fixed-point iteration (the scheme of ANTs' InvertDisplacementField
/// and of Greedy): v(y) = -u(y + v(y)). The iteration is a contraction while the map's local stretch stays
/// below one, which the symmetric (halfway) scheme keeps true by splitting the deformation into two halves.
public struct FieldInversion {
    public var maximumIterations: Int
    /// Stop when the largest residual |v(y) + u(y + v(y))| drops below this many voxels...
    public var tolerance: Float
    /// ... and the mean residual below this many voxels.
    public var meanTolerance: Float

    public init(maximumIterations: Int = 30, tolerance: Float = 1e-3, meanTolerance: Float = 1e-4) {
        self.maximumIterations = maximumIterations
        self.tolerance = tolerance
        self.meanTolerance = meanTolerance
    }

    /// What the iteration reached, for the report.
    public struct Outcome: Sendable {
        public var iterations: Int
        public var maximumResidual: Float
        public var meanResidual: Float
    }

    /// Returns v with (id + u) o (id + v) ~ id. `initial` warm-starts the iteration (default -u).
    /// Works on interleaved copies so each gather of u is one stencil of 16-byte loads.
    public func invert(_ u: DisplacementField, initial: DisplacementField? = nil) -> (DisplacementField, Outcome) {
        typealias Vector = InterleavedField.Vector
        let s = u.shape
        let n = s.count
        let uu = UnsafeMutablePointer<Vector>.allocate(capacity: n)
        var v = UnsafeMutablePointer<Vector>.allocate(capacity: n)
        var next = UnsafeMutablePointer<Vector>.allocate(capacity: n)
        defer { uu.deallocate(); v.deallocate(); next.deallocate() }
        u.data.withUnsafeBufferPointer { InterleavedField.fromPlanar($0.baseAddress!, n, into: uu) }
        if let initial, initial.geometry == u.geometry {
            initial.data.withUnsafeBufferPointer { InterleavedField.fromPlanar($0.baseAddress!, n, into: v) }
        } else {
            parallelChunks(n, minChunk: 1 << 15) { range in for q in range { v[q] = -uu[q] } }
        }
        var outcome = Outcome(iterations: 0, maximumResidual: .infinity, meanResidual: .infinity)
        let chunks = Swift.max(1, Swift.min(s.nz, Parallelism.current.threadCount * 4))
        var maxPart = [Float](repeating: 0, count: chunks)
        var sumPart = [Double](repeating: 0, count: chunks)
        for it in 1...Swift.max(1, maximumIterations) {
            let vp = v, np = next
            maxPart.withUnsafeMutableBufferPointer { mp in
                sumPart.withUnsafeMutableBufferPointer { sp in
                    let mpp = mp.baseAddress!, spp = sp.baseAddress!
                    parallelFor(chunks) { c in
                        var worst: Float = 0
                        var sum = 0.0
                        for k in (c * s.nz / chunks)..<((c + 1) * s.nz / chunks) {
                            for j in 0..<s.ny {
                                var q = s.index(0, j, k)
                                for i in 0..<s.nx {
                                    let d = vp[q]
                                    let w = TrilinearStencil(s, Float(i) + d.x, Float(j) + d.y, Float(k) + d.z).sample(uu)
                                    // residual of the current estimate: v + u(y + v) should vanish
                                    let r = d + w
                                    let e = (r * r).sum().squareRoot()
                                    worst = Swift.max(worst, e)
                                    sum += Double(e)
                                    np[q] = -w
                                    q += 1
                                }
                            }
                        }
                        mpp[c] = worst
                        spp[c] = sum
                    }
                }
            }
            outcome = Outcome(iterations: it, maximumResidual: maxPart.max() ?? 0,
                              meanResidual: Float(sumPart.reduce(0, +) / Double(Swift.max(1, n))))
            if outcome.maximumResidual < tolerance && outcome.meanResidual < meanTolerance { break }
            swap(&v, &next)
        }
        var out = DisplacementField(geometry: u.geometry)
        let result = v
        out.data.withUnsafeMutableBufferPointer { InterleavedField.toPlanar(result, n, into: $0.baseAddress!) }
        return (out, outcome)
    }
}
