import ImageCore

/// Extents of a voxel grid with its strides, for the raw-pointer kernels of this module.
///
/// Kernels work on `UnsafePointer<Float>` buffers in i-fastest order; keeping the arithmetic here
/// avoids re-deriving strides (and off-by-one borders) in every kernel.
struct GridShape: Equatable {
    let nx: Int
    let ny: Int
    let nz: Int

    init(_ size: SIMD3<Int>) {
        nx = size.x
        ny = size.y
        nz = size.z
    }

    var count: Int { nx * ny * nz }
    var sliceCount: Int { nx * ny }
    var size: SIMD3<Int> { SIMD3(nx, ny, nz) }

    @inline(__always) func index(_ i: Int, _ j: Int, _ k: Int) -> Int { (k * ny + j) * nx + i }
}

/// Corner offsets and weights of a trilinear stencil, clamped to the grid (replicated border).
///
/// Clamping makes a displaced sample near the edge take the edge value instead of an arbitrary constant,
/// which keeps similarity metrics free of artificial edges at the field of view.
struct TrilinearStencil {
    var i000: Int
    var dx: Int, dy: Int, dz: Int
    var fx: Float, fy: Float, fz: Float

    @inline(__always)
    init(_ s: GridShape, _ x: Float, _ y: Float, _ z: Float) {
        let cx = Swift.min(Swift.max(x, 0), Float(s.nx - 1))
        let cy = Swift.min(Swift.max(y, 0), Float(s.ny - 1))
        let cz = Swift.min(Swift.max(z, 0), Float(s.nz - 1))
        let x0 = Int(cx), y0 = Int(cy), z0 = Int(cz)
        fx = cx - Float(x0)
        fy = cy - Float(y0)
        fz = cz - Float(z0)
        dx = x0 + 1 < s.nx ? 1 : 0
        dy = y0 + 1 < s.ny ? s.nx : 0
        dz = z0 + 1 < s.nz ? s.sliceCount : 0
        i000 = (z0 * s.ny + y0) * s.nx + x0
    }

    /// Trilinear interpolation of a scalar image or of packed vectors (e.g. a field stored as SIMD4, or
    /// value and gradient stored together): one body for both, specialised for each within the module.
    @inline(__always)
    func sample<V: TrilinearSample>(_ p: UnsafePointer<V>) -> V {
        let a = i000
        let c00 = p[a] + fx * (p[a + dx] - p[a])
        let c10 = p[a + dy] + fx * (p[a + dy + dx] - p[a + dy])
        let c01 = p[a + dz] + fx * (p[a + dz + dx] - p[a + dz])
        let c11 = p[a + dz + dy] + fx * (p[a + dz + dy + dx] - p[a + dz + dy])
        let c0 = c00 + fy * (c10 - c00)
        let c1 = c01 + fy * (c11 - c01)
        return c0 + fz * (c1 - c0)
    }
}

/// What `TrilinearStencil.sample` blends: a Float, or a SIMD vector of Floats blended lane by lane
/// with the same arithmetic (so a vector sample equals the scalar samples of its components).
protocol TrilinearSample {
    static func + (a: Self, b: Self) -> Self
    static func - (a: Self, b: Self) -> Self
    static func * (t: Float, v: Self) -> Self
}

extension Float: TrilinearSample {}
extension SIMD4: TrilinearSample where Scalar == Float {}

/// True when a continuous index lies in the grid, extended by half a voxel on each side as ITK does
/// for its "inside buffer" test.
@inline(__always)
func isInsideHalfVoxel(_ s: GridShape, _ x: Double, _ y: Double, _ z: Double) -> Bool {
    x >= -0.5 && y >= -0.5 && z >= -0.5 && x <= Double(s.nx) - 0.5 && y <= Double(s.ny) - 0.5 && z <= Double(s.nz) - 0.5
}

/// A row-major 3x4 affine map between index or world spaces, in Float for inner loops.
struct AffineMap3 {
    var m: (Float, Float, Float, Float, Float, Float, Float, Float, Float, Float, Float, Float)

    init(_ a: Matrix4) {
        let r = a.m
        m = (Float(r[0]), Float(r[1]), Float(r[2]), Float(r[3]), Float(r[4]), Float(r[5]),
             Float(r[6]), Float(r[7]), Float(r[8]), Float(r[9]), Float(r[10]), Float(r[11]))
    }

    @inline(__always)
    func apply(_ x: Float, _ y: Float, _ z: Float) -> (Float, Float, Float) {
        (m.0 * x + m.1 * y + m.2 * z + m.3, m.4 * x + m.5 * y + m.6 * z + m.7, m.8 * x + m.9 * y + m.10 * z + m.11)
    }
}
