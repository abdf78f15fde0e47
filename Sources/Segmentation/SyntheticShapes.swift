import Foundation
import NeuralEngine

/// A small synthetic segmentation task: random ellipsoids of several classes in a noisy volume.
/// Class c has its own mean intensity, so the task is learnable from intensity and context; used to
/// check that training works end to end without any real data.
public enum SyntheticShapes {
    public static func samples(count: Int, size: SIMD3<Int>, classes: Int, seed: UInt64, noise: Float = 0.08) -> [TrainingSample] {
        (0..<count).map { n in
            var rng = RandomSource(seed: seed &+ UInt64(n) &* 7919)
            var image = [Float](repeating: 0.1, count: size.x * size.y * size.z)
            var labels = [Int32](repeating: 0, count: image.count)
            for c in 1..<classes {
                let r = SIMD3<Double>((0..<3).map { Double(size[$0]) * Double(rng.uniform(0.12, 0.22)) })
                let center = SIMD3<Double>((0..<3).map { Double(size[$0]) * Double(rng.uniform(0.25, 0.75)) })
                let level = 0.1 + 0.85 * Float(c) / Float(classes - 1)
                for k in 0..<size.z { for j in 0..<size.y { for i in 0..<size.x {
                    let d = (SIMD3<Double>(Double(i), Double(j), Double(k)) - center) / r
                    if (d * d).sum() <= 1 {
                        let v = (k * size.y + j) * size.x + i
                        image[v] = level
                        labels[v] = Int32(c)
                    }
                } } }
            }
            for v in 0..<image.count { image[v] += noise * rng.normal() }
            return TrainingSample(size: size, image: image, labels: labels, name: "synthetic-\(n)")
        }
    }
}
