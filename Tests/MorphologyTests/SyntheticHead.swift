import Foundation
import ImageCore
import Morphology

/// A generated head CT with a known brain, for testing skull stripping under the conditions that
/// break it: rotation, gantry tilt, thick slices (with their partial-volume averaging), a missing
/// bone flap, a table touching the head, and an open foramen magnum leading to the spinal canal.
///
/// Head coordinates are LPS millimetres centred on the brain. Ellipsoidal layers: brain (grey
/// 32 HU / white 26 HU, ventricles 6 HU), 3 mm CSF, 7 mm skull (1300 HU tables, 700 HU diploë),
/// 6 mm scalp (40 HU), air -1000 HU. Below: neck (40 HU), vertebra (900 HU), canal with cord.
/// In front: eyes (10 HU). The brain mask truth is the intracranial space (inside the inner table)
/// plus the brain that herniates into a bone-flap defect.
struct SyntheticHead {
    var size: SIMD3<Int>
    var spacing: SIMD3<Double>
    /// Rotation of the head (degrees about x, then y, then z).
    var rotationDegrees = SIMD3<Double>(0, 0, 0)
    /// Gantry tilt (degrees): the k axis leans towards +y.
    var tiltDegrees = 0.0
    /// Centre (in head coordinates) direction of a missing bone flap, nil for an intact skull.
    var flapDirection: SIMD3<Double>? = nil
    /// Half-angle cosine of the flap (0.8: a ~37° cap, ~10 cm across).
    var flapCosine = 0.8
    var table = true
    var noiseHU = 5.0
    /// Sub-samples per voxel along i, j, k (partial-volume averaging).
    var subsamples = SIMD3<Int>(2, 2, 2)
    var seed: UInt64 = 1

    static let brainSemiAxes = SIMD3<Double>(66, 82, 58)

    var geometry: Geometry {
        let t = tiltDegrees * .pi / 180
        let dir = [SIMD3<Double>(1, 0, 0), SIMD3(0, 1, 0), SIMD3(0, sin(t), cos(t))]
        let centre = SIMD3<Double>(size &- 1) / 2 * spacing
        let origin = -(dir[0] * centre.x + dir[1] * centre.y + dir[2] * centre.z)
        return Geometry(size: size, spacing: spacing, origin: origin, direction: dir)
    }

    /// Rotation matrix rows (world = R * head).
    var rotation: [SIMD3<Double>] {
        let a = rotationDegrees * .pi / 180
        func mul(_ p: [SIMD3<Double>], _ q: [SIMD3<Double>]) -> [SIMD3<Double>] {
            (0..<3).map { r in SIMD3((0..<3).map { c in (0..<3).reduce(0.0) { $0 + p[r][$1] * q[$1][c] } }) }
        }
        let rx = [SIMD3(1, 0, 0), SIMD3(0, cos(a.x), -sin(a.x)), SIMD3(0, sin(a.x), cos(a.x))]
        let ry = [SIMD3(cos(a.y), 0, sin(a.y)), SIMD3<Double>(0, 1, 0), SIMD3(-sin(a.y), 0, cos(a.y))]
        let rz = [SIMD3(cos(a.z), -sin(a.z), 0), SIMD3(sin(a.z), cos(a.z), 0), SIMD3<Double>(0, 0, 1)]
        return mul(rz, mul(ry, rx))
    }

    /// HU, intracranial flag and whether the point is scalp.
    func classify(_ p: SIMD3<Double>) -> (hu: Double, brain: Bool, scalp: Bool) {
        let b = Self.brainSemiAxes
        func ell(_ d: Double) -> Double { let q = p / (b + d); return (q * q).sum() }
        let rIn = ell(3), rOut = ell(10)
        let intracranial = rIn <= 1
        if intracranial {
            let v = SIMD3(abs(p.x) - 9, p.y + 5, p.z - 8) / SIMD3(6, 25, 9)
            if (v * v).sum() <= 1 { return (6, true, false) }
            if ell(-14) <= 1 { return (26, true, false) }
            if ell(0) <= 1 { return (32, true, false) }
            return (8, true, false)
        }
        let canalAxis = (p.x * p.x + (p.y - 10) * (p.y - 10)).squareRoot()
        let inForamen = canalAxis < 16 && p.z < 0
        if rOut <= 1 && !inForamen {
            if let f = flapDirection {
                let u = f / (f * f).sum().squareRoot()
                if (p * u).sum() / max((p * p).sum().squareRoot(), 1e-9) > flapCosine { return (30, true, false) } // herniated brain
            }
            let mid = abs((rIn * rOut).squareRoot() - 1) < 0.02
            return (mid ? 700 : 1300, false, false)
        }
        if p.z < -20 && canalAxis < 12 {
            if canalAxis < 6 { return (30, false, false) }   // cord
            return (8, false, false)   // CSF in the canal
        }
        if p.z < -b.z - 12 && canalAxis < 22 && ((p.x / 45) * (p.x / 45) + ((p.y - 15) / 45) * ((p.y - 15) / 45)) < 1 { return (900, false, false) }
        if ell(16) <= 1 { return (40, false, true) }
        if p.z < -30 && ((p.x / 45) * (p.x / 45) + ((p.y - 15) / 45) * ((p.y - 15) / 45)) < 1 { return (40, false, false) }
        for sx in [-32.0, 32.0] {
            let e = SIMD3(p.x - sx, p.y + b.y + 8, p.z + 20)
            if (e * e).sum() < 144 { return (10, false, false) }
        }
        return (-1000, false, false)
    }

    /// The CT, the true brain mask (voxels at least half intracranial) and the scalp (voxels at
    /// least half scalp), where a leaking mask would go.
    func render() -> (ct: Volume<Float>, truth: BinaryMask, scalp: BinaryMask) {
        let g = geometry
        let a = g.affineLPS
        let r = rotation
        let r0 = r[0], r1 = r[1], r2 = r[2]
        let sub = subsamples
        let nSub = Double(sub.x * sub.y * sub.z)
        var ct = Volume<Float>(geometry: g)
        var truth = BinaryMask.emptyMask(g)
        var scalp = BinaryMask.emptyMask(g)
        let tableY = Self.brainSemiAxes.y + 17
        let n = g.voxelCount
        ct.data.withUnsafeMutableBufferPointer { cb in
            truth.data.withUnsafeMutableBufferPointer { tb in
              scalp.data.withUnsafeMutableBufferPointer { sb in
                let cb = cb, tb = tb, sb = sb
                parallelChunks(n, minChunk: 2048) { range in
                    for v in range {
                        let i = v % size.x, j = (v / size.x) % size.y, k = v / (size.x * size.y)
                        var hu = 0.0, inside = 0.0, onScalp = 0.0
                        for c in 0..<sub.z { for bq in 0..<sub.y { for aq in 0..<sub.x {
                            let off = (SIMD3(Double(aq), Double(bq), Double(c)) + 0.5) / SIMD3<Double>(sub) - 0.5
                            let w = a.apply(SIMD3(Double(i), Double(j), Double(k)) + off)
                            // head = R^T w
                            let h = r0 * w.x + r1 * w.y + r2 * w.z
                            var t = classify(h)
                            if table && t.hu <= -1000 && w.y > tableY && w.y < tableY + 10 { t.hu = 90 }
                            hu += t.hu
                            if t.brain { inside += 1 }
                            if t.scalp { onScalp += 1 }
                        } } }
                        cb[v] = Float(hu / nSub)
                        tb[v] = inside / nSub >= 0.5 ? 1 : 0
                        sb[v] = onScalp / nSub >= 0.5 ? 1 : 0
                    }
                }
              }
            }
        }
        var rng = SplitMix64(seed: seed)
        if noiseHU > 0 { for v in 0..<n { ct.data[v] += Float(noiseHU * rng.gaussian()) } }
        return (ct, truth, scalp)
    }
}
