import NeuralEngine

/// The contracting path: stage 0 keeps the resolution, each later stage halves it with a
/// stride-2 ResBlock3D and doubles the channels. All stage outputs are returned, since the
/// decoder uses them as skips. (`CNNEncoder3D` in the reference is the same network.)
public final class UNetEncoder3D: StateProvider {
    public let stages: [ResBlock3D]

    public init(config: UNetConfig, rng: inout RandomSource) {
        let ch = config.channels
        var s: [ResBlock3D] = []
        for i in 0..<config.levels {
            s.append(ResBlock3D(i == 0 ? config.inChannels : ch[i - 1], ch[i], stride: i == 0 ? 1 : 2,
                                config: config, rng: &rng))
        }
        s[0].needsInputGradient = false
        stages = s
    }

    public func stateItems() -> [(String, StateItem)] {
        stages.enumerated().flatMap { prefixed("stages.\($0.offset)", $0.element.stateItems()) }
    }

    public func forward(_ x: consuming FeatureMap, training: Bool) throws -> [FeatureMap] {
        var features: [FeatureMap] = []
        var h = x
        for stage in stages {
            h = try stage.forward(h, training: training)
            features.append(h)
        }
        return features
    }

    /// `grads[i]` is dL/d(feature i) (from the decoder's skips and, for the last, its input).
    public func backward(_ grads: [FeatureMap?]) throws {
        var carry: FeatureMap? = nil
        for i in stride(from: stages.count - 1, through: 0, by: -1) {
            var g = grads[i]
            if let c = carry { g = try g.map { try add($0, c) } ?? c }
            guard let dy = g else { carry = nil; continue }
            carry = try stages[i].backward(dy)
        }
    }
}

public typealias CNNEncoder3D = UNetEncoder3D
