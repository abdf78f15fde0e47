import Foundation
import ImageCore
import NeuralEngine

/// Random training-time transforms. Each sample's draw comes from a generator seeded by
/// (run seed, epoch, sample index), so an interrupted run resumes with the very same draws.
public struct AugmentationOptions: Codable, Equatable, Sendable {
    public var enabled = true
    /// Probability of a left-right mirror (labels go through the model's mirrored-label table).
    public var flipProbability = 0.5
    /// Maximum rotation about each axis, degrees.
    public var rotationDegrees = 10.0
    /// Maximum relative zoom (0.1 = ±10 %).
    public var scale = 0.1
    /// Maximum translation, fraction of the box.
    public var translation = 0.05
    /// Elastic displacement amplitude in network voxels (smooth field on a 4³ control grid).
    public var elastic = 2.0
    /// Intensity: x·(1 ± scale) ± shift, gamma in [1/γ, γ], Gaussian noise σ.
    public var intensityScale: Float = 0.1
    public var intensityShift: Float = 0.1
    public var gamma: Float = 1.3
    public var noise: Float = 0.03

    public init() {}

    public static let none: AugmentationOptions = { var a = AugmentationOptions(); a.enabled = false; return a }()

    enum CodingKeys: String, CodingKey {
        case enabled, flipProbability = "flip_probability", rotationDegrees = "rotation_degrees", scale, translation
        case elastic, intensityScale = "intensity_scale", intensityShift = "intensity_shift", gamma, noise
    }

    /// Keys left out of an options file keep their defaults, as in `TrainingOptions`.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = AugmentationOptions()
        enabled = try c.decodeIfPresent(Bool.self, forKey: .enabled) ?? d.enabled
        flipProbability = try c.decodeIfPresent(Double.self, forKey: .flipProbability) ?? d.flipProbability
        rotationDegrees = try c.decodeIfPresent(Double.self, forKey: .rotationDegrees) ?? d.rotationDegrees
        scale = try c.decodeIfPresent(Double.self, forKey: .scale) ?? d.scale
        translation = try c.decodeIfPresent(Double.self, forKey: .translation) ?? d.translation
        elastic = try c.decodeIfPresent(Double.self, forKey: .elastic) ?? d.elastic
        intensityScale = try c.decodeIfPresent(Float.self, forKey: .intensityScale) ?? d.intensityScale
        intensityShift = try c.decodeIfPresent(Float.self, forKey: .intensityShift) ?? d.intensityShift
        gamma = try c.decodeIfPresent(Float.self, forKey: .gamma) ?? d.gamma
        noise = try c.decodeIfPresent(Float.self, forKey: .noise) ?? d.noise
    }
}

/// One training example already in the scan's own voxel grid: normalised intensities and labels.
public struct TrainingSample: Sendable {
    public var size: SIMD3<Int>
    public var image: [Float]
    public var labels: [Int32]
    public var name: String

    public init(size: SIMD3<Int>, image: [Float], labels: [Int32], name: String = "") {
        self.size = size; self.image = image; self.labels = labels; self.name = name
    }
}

/// Prepares a sample for the network: resample into the network grid with an optional random
/// spatial transform, then random intensity changes.
public struct Augmenter: Sendable {
    public var options: AugmentationOptions
    public var netSize: SIMD3<Int>
    public var mirroredLabels: [Int]?

    public init(options: AugmentationOptions, netSize: SIMD3<Int>, mirroredLabels: [Int]?) {
        self.options = options; self.netSize = netSize; self.mirroredLabels = mirroredLabels
    }

    /// Image [1, D, H, W] values and labels in the network grid.
    public func prepare(_ s: TrainingSample, rng: inout RandomSource, augment: Bool) -> ([Float], [Int32]) {
        let a = options
        let doIt = augment && a.enabled
        let center = SIMD3<Double>(netSize) / 2 - 0.5
        var linear = [[1.0, 0, 0], [0, 1.0, 0], [0, 0, 1.0]]
        var shift = SIMD3<Double>.zero
        var flip = false
        var field: [SIMD3<Double>] = []
        if doIt {
            flip = Double(rng.nextFloat()) < a.flipProbability
            let r = (0..<3).map { _ in Double(rng.uniform(-1, 1)) * a.rotationDegrees * .pi / 180 }
            let z = 1 + Double(rng.uniform(-1, 1)) * a.scale
            linear = matmul(rotation(r), [[z, 0, 0], [0, z, 0], [0, 0, z]])
            shift = SIMD3((0..<3).map { Double(rng.uniform(-1, 1)) * a.translation * Double(netSize[$0]) })
            if a.elastic > 0 { field = (0..<64).map { _ in SIMD3(Double(rng.normal()), Double(rng.normal()), Double(rng.normal())) * a.elastic / 2 } }
        }
        let scan = s.size, net = netSize
        let m = linear
        let map: (SIMD3<Double>) -> SIMD3<Double> = { o in
            var d = o - center
            d = SIMD3(m[0][0] * d.x + m[0][1] * d.y + m[0][2] * d.z, m[1][0] * d.x + m[1][1] * d.y + m[1][2] * d.z,
                      m[2][0] * d.x + m[2][1] * d.y + m[2][2] * d.z)
            var q = d + center + shift
            if !field.isEmpty { q += Augmenter.elasticAt(o, field: field, net: net) }
            if flip { q.x = Double(net.x - 1) - q.x }
            return BoxSampler.scanIndex(q, scan: scan, net: net)
        }
        var image = BoxSampler.linear(s.image, srcSize: scan, dstSize: net, outside: 0, map: map)
        var labels = BoxSampler.nearest(s.labels, srcSize: scan, dstSize: net, map: map)
        if flip, let table = mirroredLabels {
            for i in 0..<labels.count where Int(labels[i]) < table.count { labels[i] = Int32(table[Int(labels[i])]) }
        }
        if doIt {
            let g = Foundation.pow(a.gamma, rng.uniform(-1, 1))
            let sc = 1 + rng.uniform(-1, 1) * a.intensityScale
            let sh = rng.uniform(-1, 1) * a.intensityShift
            var noiseRng = RandomSource(seed: rng.next())
            for i in 0..<image.count {
                let v = Foundation.pow(Swift.min(1, Swift.max(0, image[i])), g)
                image[i] = v * sc + sh + (a.noise > 0 ? a.noise * noiseRng.normal() : 0)
            }
        }
        return (image, labels)
    }

    /// Smooth displacement: trilinear interpolation of a 4x4x4 control grid spanning the box.
    static func elasticAt(_ o: SIMD3<Double>, field: [SIMD3<Double>], net: SIMD3<Int>) -> SIMD3<Double> {
        let p = o / SIMD3<Double>(SIMD3(Swift.max(1, net.x - 1), Swift.max(1, net.y - 1), Swift.max(1, net.z - 1))) * 3
        let f = SIMD3<Double>(Swift.min(p.x.rounded(.down), 2), Swift.min(p.y.rounded(.down), 2), Swift.min(p.z.rounded(.down), 2))
        let t = p - f
        let x0 = Int(f.x), y0 = Int(f.y), z0 = Int(f.z)
        var r = SIMD3<Double>.zero
        for dz in 0...1 { for dy in 0...1 { for dx in 0...1 {
            let wx: Double = dx == 1 ? t.x : 1 - t.x
            let wy: Double = dy == 1 ? t.y : 1 - t.y
            let wz: Double = dz == 1 ? t.z : 1 - t.z
            let idx: Int = ((z0 + dz) * 4 + y0 + dy) * 4 + x0 + dx
            r += (wx * wy * wz) * field[idx]
        } } }
        return r
    }

    private func rotation(_ r: [Double]) -> [[Double]] {
        let (cx, sx, cy, sy, cz, sz) = (cos(r[0]), sin(r[0]), cos(r[1]), sin(r[1]), cos(r[2]), sin(r[2]))
        let rx = [[1, 0, 0], [0, cx, -sx], [0, sx, cx]]
        let ry = [[cy, 0, sy], [0, 1, 0], [-sy, 0, cy]]
        let rz = [[cz, -sz, 0], [sz, cz, 0], [0, 0, 1]]
        return matmul(rz, matmul(ry, rx))
    }

    private func matmul(_ a: [[Double]], _ b: [[Double]]) -> [[Double]] {
        (0..<3).map { i in (0..<3).map { j in (0..<3).reduce(0) { $0 + a[i][$1] * b[$1][j] } } }
    }
}
