import ImageCore

/// Kernels on displacement fields stored interleaved as SIMD4 (x, y, z, unused) per voxel, the layout the
/// SyN iterations use: a trilinear gather of a vector then costs eight 16-byte loads instead of 24
/// scattered scalar ones, and the arithmetic runs on whole vectors. Public fields stay planar
/// (`DisplacementField`); conversion happens once per level.
enum InterleavedField {
    typealias Vector = SIMD4<Float>

    static func fromPlanar(_ planar: UnsafePointer<Float>, _ n: Int, into out: UnsafeMutablePointer<Vector>) {
        parallelChunks(n, minChunk: 1 << 15) { range in
            for q in range { out[q] = Vector(planar[q], planar[n + q], planar[2 * n + q], 0) }
        }
    }

    static func toPlanar(_ v: UnsafePointer<Vector>, _ n: Int, into planar: UnsafeMutablePointer<Float>) {
        parallelChunks(n, minChunk: 1 << 15) { range in
            for q in range {
                let x = v[q]
                planar[q] = x.x; planar[n + q] = x.y; planar[2 * n + q] = x.z
            }
        }
    }

    /// out(x) = image(x + u(x)).
    static func warp(_ image: UnsafePointer<Float>, _ u: UnsafePointer<Vector>, _ s: GridShape,
                     into out: UnsafeMutablePointer<Float>) {
        parallelFor(s.nz) { k in
            for j in 0..<s.ny {
                var q = s.index(0, j, k)
                for i in 0..<s.nx {
                    let d = u[q]
                    out[q] = TrilinearStencil(s, Float(i) + d.x, Float(j) + d.y, Float(k) + d.z).sample(image)
                    q += 1
                }
            }
        }
    }

    /// c(x) = b(x) + a(x + b(x)): the map "b first, then a".
    static func compose(first b: UnsafePointer<Vector>, then a: UnsafePointer<Vector>, _ s: GridShape,
                        into c: UnsafeMutablePointer<Vector>) {
        parallelFor(s.nz) { k in
            for j in 0..<s.ny {
                var q = s.index(0, j, k)
                for i in 0..<s.nx {
                    let d = b[q]
                    c[q] = d + TrilinearStencil(s, Float(i) + d.x, Float(j) + d.y, Float(k) + d.z).sample(a)
                    q += 1
                }
            }
        }
    }

    static func smooth(_ u: UnsafeMutablePointer<Vector>, _ s: GridShape, sigma: Double, scratch: UnsafeMutablePointer<Float>) {
        guard sigma > 0.05 else { return }
        UnsafeMutableRawPointer(u).withMemoryRebound(to: Float.self, capacity: 4 * s.count) { f in
            BufferFilter.gaussian(f, s, sigma: SIMD3(repeating: sigma), scratch: scratch, interleave: 4)
        }
    }

    static func maximumNorm(_ u: UnsafePointer<Vector>, _ n: Int) -> Float {
        let chunks = Swift.max(1, Swift.min(Parallelism.current.threadCount * 4, n / 32768))
        var partial = [Float](repeating: 0, count: chunks)
        partial.withUnsafeMutableBufferPointer { pb in
            let pp = pb.baseAddress!
            parallelFor(chunks) { c in
                var best: Float = 0
                for q in (c * n / chunks)..<((c + 1) * n / chunks) {
                    let v = u[q]
                    best = Swift.max(best, (v * v).sum())
                }
                pp[c] = best
            }
        }
        return (partial.max() ?? 0).squareRoot()
    }

    static func scale(_ u: UnsafeMutablePointer<Vector>, _ n: Int, by f: Float) {
        parallelChunks(n, minChunk: 1 << 15) { range in
            for q in range { u[q] *= f }
        }
    }
}
