import ImageCore

/// Local normalised cross-correlation (LNCC) over (2r+1)^3 box windows and its exact gradient, in O(N).
///
/// For each voxel x with window W(x) (truncated at the border, n voxels), A = sum(FM) - sum(F)sum(M)/n,
/// B = sum(FF) - sum(F)^2/n, C = sum(MM) - sum(M)^2/n and cc(x) = A^2 / (B C). The metric is the mean of
/// cc over the region. Its derivative with respect to M(y) collects every window that contains y:
///
///     dS/dM(y) = F(y) sum_x a(x) - sum_x a(x) mF(x) - M(y) sum_x b(x) + sum_x b(x) mM(x)
///
/// with a = 2A/(BC), b = 2A^2/(BC^2), mF, mM the window means and the sums over windows containing y
/// (again box sums, since windows are symmetric). Symmetrically for F with b' = 2A^2/(B^2 C). So one
/// evaluation is five box sums for the statistics plus four (one image) or seven (both) for the gradient,
/// each a running sum independent of the radius. This is the exact gradient of the discrete metric, not the
/// pointwise approximation ANTs uses, so the metric value is a true objective for convergence checks.
public final class LocalCorrelation {
    let shape: GridShape
    let radius: Int
    private let buffers: [UnsafeMutablePointer<Float>]
    private let scratch: UnsafeMutablePointer<Float>
    private let countI: [Float], countJ: [Float], countK: [Float]

    /// Workspace for images of `size` (about eight floats per voxel, reused across evaluations).
    public convenience init(size: SIMD3<Int>, radius: Int) {
        self.init(shape: GridShape(size), radius: radius)
    }

    init(shape: GridShape, radius: Int) {
        self.shape = shape
        self.radius = radius
        buffers = (0..<7).map { _ in UnsafeMutablePointer<Float>.allocate(capacity: shape.count) }
        scratch = UnsafeMutablePointer<Float>.allocate(capacity: shape.count)
        countI = (0..<shape.nx).map { Float(BufferFilter.windowCount($0, shape.nx, radius)) }
        countJ = (0..<shape.ny).map { Float(BufferFilter.windowCount($0, shape.ny, radius)) }
        countK = (0..<shape.nz).map { Float(BufferFilter.windowCount($0, shape.nz, radius)) }
    }

    deinit {
        buffers.forEach { $0.deallocate() }
        scratch.deallocate()
    }

    /// Mean LNCC over `mask` (nil = all voxels) and, when requested, dS/dF into `gradF` and dS/dM into
    /// `gradM` (per voxel, to be multiplied by the image gradient by the caller).
    ///
    /// Channels are produced line by line and box-summed along i while still in cache, so each channel
    /// costs one write plus the j and k running-sum passes.
    func evaluate(fixed f: UnsafePointer<Float>, moving m: UnsafePointer<Float>, mask: UnsafePointer<Float>?,
                  gradF: UnsafeMutablePointer<Float>?, gradM: UnsafeMutablePointer<Float>?) -> Double {
        let s = shape, n = s.count, nx = s.nx, r = radius
        let b = buffers
        let lines = s.ny * s.nz
        // 1. window sums of F, M, FF, MM, FM
        parallelChunks(lines, minChunk: 8) { range in
            let tmp = UnsafeMutablePointer<Float>.allocate(capacity: 5 * nx)
            defer { tmp.deallocate() }
            for line in range {
                let o = line * nx
                for i in 0..<nx {
                    let fv = f[o + i], mv = m[o + i]
                    tmp[i] = fv
                    tmp[nx + i] = mv
                    tmp[2 * nx + i] = fv * fv
                    tmp[3 * nx + i] = mv * mv
                    tmp[4 * nx + i] = fv * mv
                }
                for c in 0..<5 { BufferFilter.runningSum(tmp + c * nx, into: b[c] + o, nx, r) }
            }
        }
        for c in 0..<5 { boxJK(b[c]) }

        // 2. per-voxel correlation and the coefficient images of the gradient (box-summed along i at once)
        let wantF = gradF != nil, wantM = gradM != nil
        let channels = wantF ? 7 : 4
        let chunkCount = Swift.min(lines, Swift.max(1, Parallelism.current.threadCount * 8))
        var partial = [Double](repeating: 0, count: chunkCount)
        var counts = [Int](repeating: 0, count: chunkCount)
        partial.withUnsafeMutableBufferPointer { pb in
          counts.withUnsafeMutableBufferPointer { nb in
            let pp = pb.baseAddress!, np = nb.baseAddress!
            countI.withUnsafeBufferPointer { ci in
                countJ.withUnsafeBufferPointer { cj in
                    countK.withUnsafeBufferPointer { ck in
                        parallelFor(chunkCount) { chunk in
                            let tmp = UnsafeMutablePointer<Float>.allocate(capacity: 7 * nx)
                            defer { tmp.deallocate() }
                            var sum = 0.0
                            var inRegion = 0
                            for line in (chunk * lines / chunkCount)..<((chunk + 1) * lines / chunkCount) {
                                let j = line % s.ny, k = line / s.ny
                                let njk = cj[j] * ck[k]
                                let o = line * nx
                                for i in 0..<nx {
                                    let q = o + i
                                    let cnt = ci[i] * njk
                                    let sf = b[0][q], sm = b[1][q]
                                    let mf = sf / cnt, mm = sm / cnt
                                    let bb = b[2][q] - sf * mf
                                    let cc = b[3][q] - sm * mm
                                    let aa = b[4][q] - sf * mm
                                    let eps = 1e-4 * cnt
                                    var alpha: Float = 0, beta: Float = 0, betaF: Float = 0
                                    let inside = mask == nil || mask![q] > 0.5
                                    if inside { inRegion += 1 }
                                    if inside && bb > eps && cc > eps {
                                        let bc = bb * cc
                                        let corr = aa * aa / bc
                                        sum += Double(Swift.min(corr, 1))
                                        alpha = 2 * aa / bc
                                        beta = alpha * aa / cc
                                        betaF = alpha * aa / bb
                                    }
                                    tmp[i] = alpha
                                    tmp[nx + i] = alpha * mf
                                    tmp[2 * nx + i] = beta
                                    tmp[3 * nx + i] = beta * mm
                                    if wantF {
                                        tmp[4 * nx + i] = alpha * mm
                                        tmp[5 * nx + i] = betaF
                                        tmp[6 * nx + i] = betaF * mf
                                    }
                                }
                                if wantF || wantM {
                                    for c in 0..<channels { BufferFilter.runningSum(tmp + c * nx, into: b[c] + o, nx, r) }
                                }
                            }
                            pp[chunk] = sum
                            np[chunk] = inRegion
                        }
                    }
                }
            }
          }
        }
        let regionCount = counts.reduce(0, +)
        guard regionCount > 0 else { return 0 }
        let value = partial.reduce(0, +) / Double(regionCount)
        guard wantF || wantM else { return value }

        // 3. sums over the windows containing each voxel, then the derivatives
        for c in 0..<channels where wantM || c == 0 || c >= 4 { boxJK(b[c]) }
        let norm = Float(1.0 / Double(regionCount))
        parallelChunks(n, minChunk: 1 << 15) { range in
            for q in range {
                let fv = f[q], mv = m[q]
                if let gm = gradM { gm[q] = norm * (fv * b[0][q] - b[1][q] - mv * b[2][q] + b[3][q]) }
                if let gf = gradF { gf[q] = norm * (mv * b[0][q] - b[4][q] - fv * b[5][q] + b[6][q]) }
            }
        }
        return value
    }

    /// Box sums along j then k (the i direction was summed when the channel was produced).
    private func boxJK(_ c: UnsafeMutablePointer<Float>) {
        BufferFilter.boxSum(c, shape, radius: radius, scratch: scratch, alongI: false)
    }

    /// Volume-level entry point: mean LNCC over the mask and the derivative images dS/dF and dS/dM.
    public func evaluate(fixed: Volume<Float>, moving: Volume<Float>, mask: Volume<Float>? = nil) throws
        -> (value: Double, fixedDerivative: Volume<Float>, movingDerivative: Volume<Float>) {
        guard fixed.size == shape.size, moving.size == shape.size, mask.map({ $0.size == shape.size }) ?? true else {
            throw RegistrationError.mismatchedGrids(what: "LNCC inputs", problem: "fixed, moving and mask must all be \(shape.nx)x\(shape.ny)x\(shape.nz)")
        }
        var gf = Volume<Float>(geometry: fixed.geometry), gm = Volume<Float>(geometry: fixed.geometry)
        let value = fixed.data.withUnsafeBufferPointer { fb in
            moving.data.withUnsafeBufferPointer { mb in
                gf.data.withUnsafeMutableBufferPointer { gfb in
                    gm.data.withUnsafeMutableBufferPointer { gmb in
                        if let mask {
                            return mask.data.withUnsafeBufferPointer { kb in
                                evaluate(fixed: fb.baseAddress!, moving: mb.baseAddress!, mask: kb.baseAddress!,
                                         gradF: gfb.baseAddress!, gradM: gmb.baseAddress!)
                            }
                        }
                        return evaluate(fixed: fb.baseAddress!, moving: mb.baseAddress!, mask: nil,
                                        gradF: gfb.baseAddress!, gradM: gmb.baseAddress!)
                    }
                }
            }
        }
        return (value, gf, gm)
    }
}
