import Foundation
import ImageCore
import Registration

/// Synthetic head-like test volumes built in code, so the suite runs without any data folder.
enum Phantom {
    struct Blob {
        var center: SIMD3<Double>   // fraction of the box, 0...1
        var radii: SIMD3<Double>    // fraction of the box
        var value: Float
        var label: Float
    }

    static let blobs: [Blob] = [
        Blob(center: SIMD3(0.40, 0.45, 0.50), radii: SIMD3(0.06, 0.12, 0.08), value: 8, label: 1),
        Blob(center: SIMD3(0.60, 0.45, 0.50), radii: SIMD3(0.06, 0.12, 0.08), value: 8, label: 2),
        Blob(center: SIMD3(0.35, 0.65, 0.40), radii: SIMD3(0.08, 0.07, 0.07), value: 45, label: 3),
        Blob(center: SIMD3(0.65, 0.65, 0.40), radii: SIMD3(0.08, 0.07, 0.07), value: 45, label: 4),
        Blob(center: SIMD3(0.50, 0.30, 0.62), radii: SIMD3(0.10, 0.06, 0.06), value: 20, label: 5),
        Blob(center: SIMD3(0.50, 0.62, 0.66), radii: SIMD3(0.05, 0.05, 0.09), value: 55, label: 6),
        Blob(center: SIMD3(0.30, 0.40, 0.35), radii: SIMD3(0.05, 0.08, 0.06), value: 15, label: 7),
        Blob(center: SIMD3(0.70, 0.40, 0.35), radii: SIMD3(0.05, 0.08, 0.06), value: 60, label: 8),
    ]

    /// An ellipsoidal "brain" (0 outside) with a smooth texture and eight labelled structures, lightly
    /// blurred so it has gradients everywhere inside. Geometry is LPS with a non-zero origin.
    static func make(size n: Int = 64, spacing: Double = 2) -> (image: Volume<Float>, labels: Volume<Float>) {
        let g = Geometry(size: SIMD3(n, n, n), spacing: SIMD3(repeating: spacing), origin: SIMD3(-60, -70, -50))
        var img = Volume<Float>(geometry: g)
        var lab = Volume<Float>(geometry: g)
        let c = Double(n - 1)
        for k in 0..<n {
            for j in 0..<n {
                for i in 0..<n {
                    let p = SIMD3(Double(i), Double(j), Double(k)) / c
                    let d = (p - SIMD3(0.5, 0.5, 0.5)) / SIMD3(0.38, 0.42, 0.34)
                    guard (d * d).sum() <= 1 else { continue }
                    var v = 30 + 4 * Float(sin(p.x * 17 + 1) * cos(p.y * 13) + sin(p.z * 11 + p.y * 7))
                    var l: Float = 0
                    for b in blobs {
                        let e = (p - b.center) / b.radii
                        if (e * e).sum() <= 1 { v = b.value + 2 * Float(sin(p.x * 23 + p.z * 19)); l = b.label }
                    }
                    img[i, j, k] = v
                    lab[i, j, k] = l
                }
            }
        }
        // light blur: 1 voxel Gaussian via the public chain (a tiny average is enough for tests)
        img = boxBlur(img)
        return (img, lab)
    }

    static func boxBlur(_ v: Volume<Float>) -> Volume<Float> {
        var out = v
        let s = v.size
        for k in 0..<s.z {
            for j in 0..<s.y {
                for i in 0..<s.x {
                    var acc: Float = 0, cnt: Float = 0
                    for dk in -1...1 { for dj in -1...1 { for di in -1...1 {
                        let a = i + di, b = j + dj, c = k + dk
                        if a >= 0, b >= 0, c >= 0, a < s.x, b < s.y, c < s.z { acc += v[a, b, c]; cnt += 1 }
                    } } }
                    out[i, j, k] = acc / cnt
                }
            }
        }
        return out
    }

    /// A smooth, diffeomorphic displacement field (mm) on `g`: a few long-wavelength sinusoids with
    /// amplitude `amplitude` mm per component (max stretch 2 pi A / wavelength stays well below 1).
    static func smoothField(on g: Geometry, amplitude: Double, wavelength: Double = 70) -> DisplacementField {
        var world = Volume<Float>(geometry: g, components: 3)
        let n = g.voxelCount
        let w = 2 * Double.pi / wavelength
        for k in 0..<g.size.z {
            for j in 0..<g.size.y {
                for i in 0..<g.size.x {
                    let p = g.worldLPS(SIMD3(Double(i), Double(j), Double(k)))
                    let q = (k * g.size.y + j) * g.size.x + i
                    world.data[q] = Float(amplitude * sin(w * p.y + 0.3) * cos(w * p.z))
                    world.data[n + q] = Float(amplitude * sin(w * p.z + 1.1) * cos(w * p.x - 0.4))
                    world.data[2 * n + q] = Float(amplitude * sin(w * p.x + 2.0) * cos(w * p.y + 0.7))
                }
            }
        }
        return try! DisplacementField(worldVolume: world)
    }

    /// Dice overlap per label present in `truth`, and their mean.
    static func dice(_ a: Volume<Float>, _ truth: Volume<Float>, labels: [Float]) -> (mean: Double, perLabel: [Float: Double]) {
        var per: [Float: Double] = [:]
        for l in labels {
            var inter = 0, na = 0, nb = 0
            for q in 0..<a.voxelCount {
                let x = a.data[q] == l, y = truth.data[q] == l
                if x { na += 1 }
                if y { nb += 1 }
                if x && y { inter += 1 }
            }
            per[l] = na + nb > 0 ? 2 * Double(inter) / Double(na + nb) : 1
        }
        return (per.values.reduce(0, +) / Double(Swift.max(1, per.count)), per)
    }
}
