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
            blockSums(chunks, perBlock: { nb in xd + nb * chunks.spatial * 8 }) { p, j in
                let v = UnsafeRawPointer(p + j * 8).loadUnaligned(as: SIMD8<Float>.self)
                return (v, v * v)
            }
        }
    }

    /// Per (sample, block): sum of dy and of dy·(x − center).
    static func gradientMoments(_ dy: FeatureMap, _ x: FeatureMap, center: LaneVectors, reluOutput mask: FeatureMap? = nil)
        -> (sum: [SIMD8<Double>], dot: [SIMD8<Double>]) {
        let chunks = BlockChunks(x)
        return FeatureMap.withUnsafeData([x, dy] + (mask.map { [$0] } ?? [])) { maps in
            let xd = maps[0], gd = maps[1], md = maps.count > 2 ? maps[2] : nil
            return blockSums(chunks, perBlock: { nb in
                let off = nb * chunks.spatial * 8
                return (x: xd + off, g: gd + off, mask: md.map { $0 + off }, center: center[nb])
            }) { b, j in
                let v = UnsafeRawPointer(b.x + j * 8).loadUnaligned(as: SIMD8<Float>.self)
                var g = UnsafeRawPointer(b.g + j * 8).loadUnaligned(as: SIMD8<Float>.self)
                if let pm = b.mask {
                    let y = UnsafeRawPointer(pm + j * 8).loadUnaligned(as: SIMD8<Float>.self)
                    g.replace(with: SIMD8<Float>.zero, where: y .<= 0)
                }
                return (g, g * (v - b.center))
            }
        }
    }

    /// Two sums per (sample, block) of the terms `term(perBlock(nb), j)` over the block's spatial
    /// positions j, for the statistics of the normalisations. `perBlock` runs once per piece (pointers
    /// and constants of the block), `term` once per position; inlined, so each caller gets its own
    /// specialised loop.
    ///
    /// Terms are summed in Float32 runs of 64, each run added to a Float64 total: the Float32 adds
    /// vectorise, and runs that short keep their rounding error far below the total's.
    @inline(__always)
    private static func blockSums<B>(_ chunks: BlockChunks, perBlock: (Int) -> B,
                                     _ term: (B, Int) -> (SIMD8<Float>, SIMD8<Float>)) -> ([SIMD8<Double>], [SIMD8<Double>]) {
        var partA = [SIMD8<Double>](repeating: .zero, count: chunks.count)
        var partB = partA
        partA.withUnsafeMutableBufferPointer { pa in
            partB.withUnsafeMutableBufferPointer { pb in
                let pa = pa, pb = pb
                parallelFor(chunks.count) { i in
                    let (nb, r) = chunks.item(i)
                    let block = perBlock(nb)
                    var a = SIMD8<Double>.zero, b = SIMD8<Double>.zero
                    var a32 = SIMD8<Float>.zero, b32 = SIMD8<Float>.zero
                    var k = 0
                    for j in r {
                        let (ta, tb) = term(block, j)
                        a32 += ta
                        b32 += tb
                        k += 1
                        if k == 64 {
                            a += SIMD8<Double>(a32); b += SIMD8<Double>(b32)
                            a32 = .zero; b32 = .zero; k = 0
                        }
                    }
                    a += SIMD8<Double>(a32); b += SIMD8<Double>(b32)
                    pa[i] = a; pb[i] = b
                }
            }
        }
        return (combine(partA, chunks), combine(partB, chunks))
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
        if relu {
            return try mapPerBlock(x, perBlock: { nb in (a[nb], b[nb]) }) { ab, v in pointwiseMax(v * ab.0 + ab.1, .zero) }
        }
        return try mapPerBlock(x, perBlock: { nb in (a[nb], b[nb]) }) { ab, v in v * ab.0 + ab.1 }
    }

    /// y = f(perBlock(nb), x) element-wise, nb the (sample, block) of the element: the element-wise
    /// ops whose constants change per channel block (affine, PReLU). `perBlock` runs once per piece,
    /// so the constants are loaded outside the inner loop; inlined, so each caller gets its own loop.
    @inline(__always)
    static func mapPerBlock<B>(_ x: FeatureMap, perBlock: (Int) -> B,
                               _ f: (B, SIMD8<Float>) -> SIMD8<Float>) throws -> FeatureMap {
        let y = try FeatureMap(like: x)
        let chunks = BlockChunks(x)
        FeatureMap.withUnsafeData([x, y]) { maps in
            let xd = maps[0], yd = maps[1]
            parallelFor(chunks.count) { i in
                let (nb, r) = chunks.item(i)
                let px = xd + nb * chunks.spatial * 8, py = yd + nb * chunks.spatial * 8
                let block = perBlock(nb)
                for j in r {
                    let v = UnsafeRawPointer(px + j * 8).loadUnaligned(as: SIMD8<Float>.self)
                    UnsafeMutableRawPointer(py + j * 8).storeBytes(of: f(block, v), as: SIMD8<Float>.self)
                }
            }
        }
        return y
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
