import ImageCore

/// Per-(sample, block) vectors: entry `n * blocks + cb` holds the 8 channels of block cb of sample n.
public typealias LaneVectors = [SIMD8<Float>]

/// Work split of a feature map into fixed-size pieces: (sample, block, spatial range).
///
/// The piece size does not depend on the thread count, and partial sums are combined in piece
/// order, so reductions give bit-identical results whatever `--threads` is.
struct BlockChunks {
    static let chunk = 8192
    let n: Int, blocks: Int, spatial: Int, perBlock: Int

    init(_ fm: FeatureMap) {
        n = fm.n; blocks = fm.blocks; spatial = fm.spatial
        perBlock = (spatial + BlockChunks.chunk - 1) / BlockChunks.chunk
    }

    var count: Int { n * blocks * perBlock }

    @inline(__always)
    func item(_ i: Int) -> (nb: Int, range: Range<Int>) {
        let nb = i / perBlock, piece = i % perBlock
        let lo = piece * BlockChunks.chunk
        return (nb, lo..<Swift.min(spatial, lo + BlockChunks.chunk))
    }
}

/// Element loops shared by the layers. All take and return blocked `FeatureMap`s.
enum BlockKernels {
    /// Per (sample, block): sum of x and of x² (Float64).
    static func moments(_ x: FeatureMap) -> (sum: [SIMD8<Double>], sumSq: [SIMD8<Double>]) {
        let chunks = BlockChunks(x)
        return x.withUnsafeData { xd in
            blockSums(chunks) { nb, r in
                let p = xd + nb * chunks.spatial * 8
                return runSums(r) { j in
                    let v = UnsafeRawPointer(p + j * 8).loadUnaligned(as: SIMD8<Float>.self)
                    return (v, v * v)
                }
            }
        }
    }

    /// Per (sample, block): sum of dy and of dy·(x − center).
    static func gradientMoments(_ dy: FeatureMap, _ x: FeatureMap, center: LaneVectors, reluOutput mask: FeatureMap? = nil)
        -> (sum: [SIMD8<Double>], dot: [SIMD8<Double>]) {
        let chunks = BlockChunks(x)
        return FeatureMap.withUnsafeData([x, dy] + (mask.map { [$0] } ?? [])) { maps in
            let xd = maps[0], gd = maps[1], md = maps.count > 2 ? maps[2] : nil
            return blockSums(chunks) { nb, r in
                let px = xd + nb * chunks.spatial * 8, pg = gd + nb * chunks.spatial * 8
                let pm = md.map { $0 + nb * chunks.spatial * 8 }
                let m = center[nb]
                return runSums(r) { j in
                    let v = UnsafeRawPointer(px + j * 8).loadUnaligned(as: SIMD8<Float>.self)
                    var g = UnsafeRawPointer(pg + j * 8).loadUnaligned(as: SIMD8<Float>.self)
                    if let pm {
                        let y = UnsafeRawPointer(pm + j * 8).loadUnaligned(as: SIMD8<Float>.self)
                        g.replace(with: SIMD8<Float>.zero, where: y .<= 0)
                    }
                    return (g, g * (v - m))
                }
            }
        }
    }

    /// Two sums per (sample, block) for the statistics of the normalisations: `piece(nb, range)` sums
    /// one piece of block nb (with `runSums`), in parallel; the pieces are combined in order. One call
    /// of `piece` per 8192 positions, so the loop over positions stays inside the caller's closure,
    /// compiled in place.
    private static func blockSums(_ chunks: BlockChunks, _ piece: (_ nb: Int, _ range: Range<Int>) -> (SIMD8<Double>, SIMD8<Double>))
        -> ([SIMD8<Double>], [SIMD8<Double>]) {
        var partA = [SIMD8<Double>](repeating: .zero, count: chunks.count)
        var partB = partA
        partA.withUnsafeMutableBufferPointer { pa in
            partB.withUnsafeMutableBufferPointer { pb in
                let pa = pa, pb = pb
                parallelFor(chunks.count) { i in
                    let (nb, r) = chunks.item(i)
                    (pa[i], pb[i]) = piece(nb, r)
                }
            }
        }
        return (combine(partA, chunks), combine(partB, chunks))
    }

    /// The two sums of `term(j)` over `range`, in Float32 runs of 64 each added to a Float64 total: the
    /// Float32 adds vectorise, and runs that short keep their rounding error far below the total's.
    @inline(__always)
    private static func runSums(_ range: Range<Int>, _ term: (Int) -> (SIMD8<Float>, SIMD8<Float>)) -> (SIMD8<Double>, SIMD8<Double>) {
        var a = SIMD8<Double>.zero, b = SIMD8<Double>.zero
        var a32 = SIMD8<Float>.zero, b32 = SIMD8<Float>.zero
        var k = 0
        for j in range {
            let (ta, tb) = term(j)
            a32 += ta
            b32 += tb
            k += 1
            if k == 64 {
                a += SIMD8<Double>(a32); b += SIMD8<Double>(b32)
                a32 = .zero; b32 = .zero; k = 0
            }
        }
        return (a + SIMD8<Double>(a32), b + SIMD8<Double>(b32))
    }

    private static func combine(_ parts: [SIMD8<Double>], _ chunks: BlockChunks) -> [SIMD8<Double>] {
        var out = [SIMD8<Double>](repeating: .zero, count: chunks.n * chunks.blocks)
        for nb in 0..<out.count {
            var s = SIMD8<Double>.zero
            for piece in 0..<chunks.perBlock { s += parts[nb * chunks.perBlock + piece] }
            out[nb] = s
        }
        return out
    }

    /// y = x·a + b per (sample, block), optionally followed by ReLU.
    static func affine(_ x: FeatureMap, scale a: LaneVectors, shift b: LaneVectors, relu: Bool = false) throws -> FeatureMap {
        try mapPerBlock(x) { nb, r, px, py in
            let av = a[nb], bv = b[nb]
            if relu {
                mapRun(r, px, py) { v in pointwiseMax(v * av + bv, .zero) }
            } else {
                mapRun(r, px, py) { v in v * av + bv }
            }
        }
    }

    /// A new map y of x's shape, filled piece by piece in parallel: `piece(nb, range, x, y)` writes
    /// positions `range` of (sample, block) nb, x and y pointing at that block (with `mapRun`). For
    /// the element-wise ops whose constants change per block (affine, PReLU): the caller loads them
    /// once per piece, and the loop over positions stays inside its closure, compiled in place.
    static func mapPerBlock(_ x: FeatureMap,
                            _ piece: (_ nb: Int, _ range: Range<Int>, UnsafePointer<Float>, UnsafeMutablePointer<Float>) -> Void)
        throws -> FeatureMap {
        let y = try FeatureMap(like: x)
        let chunks = BlockChunks(x)
        FeatureMap.withUnsafeData([x, y]) { maps in
            let xd = maps[0], yd = maps[1]
            parallelFor(chunks.count) { i in
                let (nb, r) = chunks.item(i)
                piece(nb, r, UnsafePointer(xd + nb * chunks.spatial * 8), yd + nb * chunks.spatial * 8)
            }
        }
        return y
    }

    /// y[j] = f(x[j]) for the 8-lane vectors j in `range`.
    @inline(__always)
    static func mapRun(_ range: Range<Int>, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>,
                       _ f: (SIMD8<Float>) -> SIMD8<Float>) {
        for j in range {
            let v = UnsafeRawPointer(x + j * 8).loadUnaligned(as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(y + j * 8).storeBytes(of: f(v), as: SIMD8<Float>.self)
        }
    }

    /// In place: y = max(y·s + r, 0) per (sample, block) — gate, residual sum and ReLU of an
    /// inference-mode residual block in one pass. Without `s` the gate is 1.
    static func gateAddReLU(_ y: FeatureMap, gate s: LaneVectors?, residual r: FeatureMap) {
        let chunks = BlockChunks(y)
        FeatureMap.withUnsafeData([y, r]) { maps in
            let yd = maps[0], rd = maps[1]
            parallelFor(chunks.count) { i in
                let (nb, range) = chunks.item(i)
                let py = yd + nb * chunks.spatial * 8, pr = rd + nb * chunks.spatial * 8
                let sv = s?[nb] ?? SIMD8<Float>(repeating: 1)
                for j in range {
                    let v = UnsafeRawPointer(py + j * 8).loadUnaligned(as: SIMD8<Float>.self)
                    let u = UnsafeRawPointer(pr + j * 8).loadUnaligned(as: SIMD8<Float>.self)
                    UnsafeMutableRawPointer(py + j * 8).storeBytes(of: pointwiseMax(v * sv + u, .zero), as: SIMD8<Float>.self)
                }
            }
        }
    }

    /// dx = A·dy + B·x + C per (sample, block): the input gradient of every normalisation.
    /// With `reluOutput`, dy is first masked where that output is not positive (fused ReLU backward).
    static func normBackward(_ dy: FeatureMap, _ x: FeatureMap, _ A: LaneVectors, _ B: LaneVectors,
                             _ C: LaneVectors, reluOutput mask: FeatureMap? = nil) throws -> FeatureMap {
        let dx = try FeatureMap(like: x)
        let chunks = BlockChunks(x)
        FeatureMap.withUnsafeData([x, dy, dx] + (mask.map { [$0] } ?? [])) { maps in
            let xd = maps[0], gd = maps[1], od = maps[2], md = maps.count > 3 ? maps[3] : nil
            parallelFor(chunks.count) { i in
                let (nb, r) = chunks.item(i)
                let off = nb * chunks.spatial * 8
                let px = xd + off, pg = gd + off, po = od + off
                let pm = md.map { $0 + off }
                let a = A[nb], b = B[nb], c = C[nb]
                if let pm {
                    for j in r {
                        let v = UnsafeRawPointer(px + j * 8).loadUnaligned(as: SIMD8<Float>.self)
                        var g = UnsafeRawPointer(pg + j * 8).loadUnaligned(as: SIMD8<Float>.self)
                        let y = UnsafeRawPointer(pm + j * 8).loadUnaligned(as: SIMD8<Float>.self)
                        g.replace(with: SIMD8<Float>.zero, where: y .<= 0)
                        UnsafeMutableRawPointer(po + j * 8).storeBytes(of: a * g + b * v + c, as: SIMD8<Float>.self)
                    }
                } else {
                    for j in r {
                        let v = UnsafeRawPointer(px + j * 8).loadUnaligned(as: SIMD8<Float>.self)
                        let g = UnsafeRawPointer(pg + j * 8).loadUnaligned(as: SIMD8<Float>.self)
                        UnsafeMutableRawPointer(po + j * 8).storeBytes(of: a * g + b * v + c, as: SIMD8<Float>.self)
                    }
                }
            }
        }
        return dx
    }

    /// Applies `f` to every element (padding lanes included: `f(0)` must be 0).
    static func map(_ x: FeatureMap, _ f: (SIMD8<Float>) -> SIMD8<Float>) throws -> FeatureMap {
        let y = try FeatureMap(like: x)
        let total = x.count / 8
        FeatureMap.withUnsafeData([x, y]) { maps in
            let xd = maps[0], yd = maps[1]
            parallelChunks(total, minChunk: 4096) { r in
                for j in r {
                    let v = UnsafeRawPointer(xd + j * 8).loadUnaligned(as: SIMD8<Float>.self)
                    UnsafeMutableRawPointer(yd + j * 8).storeBytes(of: f(v), as: SIMD8<Float>.self)
                }
            }
        }
        return y
    }

    /// Combines two maps of the same shape element-wise (padding lanes included).
    static func zip(_ a: FeatureMap, _ b: FeatureMap, _ f: (SIMD8<Float>, SIMD8<Float>) -> SIMD8<Float>) throws -> FeatureMap {
        guard a.count == b.count else { throw NeuralEngineError.shapeMismatch("element-wise op on \(a.dims) and \(b.dims)") }
        let y = try FeatureMap(like: a)
        let total = a.count / 8
        FeatureMap.withUnsafeData([a, b, y]) { maps in
            let ad = maps[0], bd = maps[1], yd = maps[2]
            parallelChunks(total, minChunk: 4096) { r in
                for j in r {
                    let u = UnsafeRawPointer(ad + j * 8).loadUnaligned(as: SIMD8<Float>.self)
                    let v = UnsafeRawPointer(bd + j * 8).loadUnaligned(as: SIMD8<Float>.self)
                    UnsafeMutableRawPointer(yd + j * 8).storeBytes(of: f(u, v), as: SIMD8<Float>.self)
                }
            }
        }
        return y
    }

    /// Per-channel vector padded to whole blocks (padding lanes 0).
    static func lanes(_ v: [Float], blocks: Int) -> LaneVectors {
        (0..<blocks).map { cb in
            var s = SIMD8<Float>.zero
            for l in 0..<8 where cb * 8 + l < v.count { s[l] = v[cb * 8 + l] }
            return s
        }
    }
}
