import Foundation
import ImageCore

/// A rotation matrix (LPS) about a unit axis.
func rotation(axis a: SIMD3<Double>, angle: Double) -> [SIMD3<Double>] {
    let u = a / (a * a).sum().squareRoot()
    let c = cos(angle), s = sin(angle), t = 1 - c
    // Columns of the rotation matrix.
    return [SIMD3(t * u.x * u.x + c, t * u.x * u.y + s * u.z, t * u.x * u.z - s * u.y),
            SIMD3(t * u.x * u.y - s * u.z, t * u.y * u.y + c, t * u.y * u.z + s * u.x),
            SIMD3(t * u.x * u.z + s * u.y, t * u.y * u.z - s * u.x, t * u.z * u.z + c)]
}

/// Multiplies a direction matrix given as columns by another one.
func compose(_ r: [SIMD3<Double>], _ d: [SIMD3<Double>]) -> [SIMD3<Double>] {
    d.map { col in r[0] * col.x + r[1] * col.y + r[2] * col.z }
}

func randomFloatVolume(_ g: Geometry, seed: UInt64) -> Volume<Float> {
    var rng = SplitMix64(seed: seed)
    return try! Volume(geometry: g, data: (0..<g.voxelCount).map { _ in Float(rng.uniform() * 2 - 1) })
}

/// Runs `body` with a fixed thread count (only `body` sees it).
func withThreads<T>(_ n: Int, _ body: () throws -> T) rethrows -> T {
    try Parallelism(threadCount: n).run(body)
}
