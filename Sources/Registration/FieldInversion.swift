import ImageCore

/// Inverse of a displacement field by fixed-point iteration (the scheme of ANTs' InvertDisplacementField
/// and of Greedy): v(y) = -u(y + v(y)). The iteration is a contraction while the map's local stretch stays
/// below one, which the symmetric (halfway) scheme keeps true by splitting the deformation into two halves.
public struct FieldInversion {
    public var maximumIterations: Int
    /// Stop when the largest residual |v(y) + u(y + v(y))| drops below this many voxels.
    public var tolerance: Float

    public init(maximumIterations: Int = 30, tolerance: Float = 1e-3) {
        self.maximumIterations = maximumIterations
        self.tolerance = tolerance
    }

    /// What the iteration reached, for the report.
    public struct Outcome: Sendable {
        public var iterations: Int
        public var maximumResidual: Float
        public var meanResidual: Float
    }

    /// Returns v with (id + u) o (id + v) ~ id. `initial` warm-starts the iteration (default -u).
    public func invert(_ u: DisplacementField, initial: DisplacementField? = nil) -> (DisplacementField, Outcome) {
        let s = u.shape
        let n = s.count
        var v: DisplacementField
        if let initial, initial.geometry == u.geometry {
            v = initial
        } else {
            v = DisplacementField(geometry: u.geometry)
            for q in 0..<(3 * n) { v.data[q] = -u.data[q] }
        }
        var next = DisplacementField(geometry: u.geometry)
        var outcome = Outcome(iterations: 0, maximumResidual: .infinity, meanResidual: .infinity)
        let chunks = Swift.max(1, Parallelism.threadCount * 4)
        var maxPart = [Float](repeating: 0, count: chunks)
        var sumPart = [Double](repeating: 0, count: chunks)
        for it in 1...Swift.max(1, maximumIterations) {
            u.data.withUnsafeBufferPointer { ub in
                v.data.withUnsafeBufferPointer { vb in
                    next.data.withUnsafeMutableBufferPointer { nb in
                        maxPart.withUnsafeMutableBufferPointer { mp in
                            sumPart.withUnsafeMutableBufferPointer { sp in
                                let up = ub.baseAddress!, vp = vb.baseAddress!, np = nb.baseAddress!
                                let mpp = mp.baseAddress!, spp = sp.baseAddress!
                                parallelFor(chunks) { c in
                                    let k0 = c * s.nz / chunks, k1 = (c + 1) * s.nz / chunks
                                    var worst: Float = 0
                                    var sum = 0.0
                                    for k in k0..<k1 {
                                        for j in 0..<s.ny {
                                            var q = s.index(0, j, k)
                                            for i in 0..<s.nx {
                                                let vx = vp[q], vy = vp[n + q], vz = vp[2 * n + q]
                                                let st = TrilinearStencil(s, Float(i) + vx, Float(j) + vy, Float(k) + vz)
                                                let ux = st.sample(up), uy = st.sample(up + n), uz = st.sample(up + 2 * n)
                                                // residual of the current estimate: v + u(y + v) should vanish
                                                let rx = vx + ux, ry = vy + uy, rz = vz + uz
                                                let r = (rx * rx + ry * ry + rz * rz).squareRoot()
                                                worst = Swift.max(worst, r)
                                                sum += Double(r)
                                                np[q] = -ux
                                                np[n + q] = -uy
                                                np[2 * n + q] = -uz
                                                q += 1
                                            }
                                        }
                                    }
                                    mpp[c] = worst
                                    spp[c] = sum
                                }
                            }
                        }
                    }
                }
            }
            outcome = Outcome(iterations: it, maximumResidual: maxPart.max() ?? 0,
                              meanResidual: Float(sumPart.reduce(0, +) / Double(Swift.max(1, n))))
            if outcome.maximumResidual < tolerance { break }
            swap(&v, &next)
        }
        return (v, outcome)
    }
}
