import NeuralEngine

/// The expanding path: one UpBlock3D per level below the top, from the bottleneck up, each
/// joined with the encoder feature of its resolution.
public final class CNNDecoder3D: StateProvider {
    public let ups: [UpBlock3D]

    public init(config: UNetConfig, rng: inout RandomSource) {
        let ch = config.channels
        ups = (0..<(config.levels - 1)).map { i in
            UpBlock3D(ch[config.levels - 1 - i], ch[config.levels - 2 - i], config: config, rng: &rng)
        }
    }

    public func stateItems() -> [(String, StateItem)] {
        ups.enumerated().flatMap { prefixed("ups.\($0.offset)", $0.element.stateItems()) }
    }

    /// Takes the encoder features over and lets go of each once it has been joined, so a forward pass
    /// does not hold every skip until the end.
    public func forward(_ features: consuming [FeatureMap], training: Bool) throws -> FeatureMap {
        var pending: [FeatureMap?] = features
        _ = consume features
        let top = pending.count - 1
        var y = pending[top]!
        pending[top] = nil
        for (i, up) in ups.enumerated() {
            let skip = pending[top - 1 - i]!
            pending[top - 1 - i] = nil
            y = try up.forward(y, skip: consume skip, training: training)
        }
        return y
    }

    /// Returns dL/d(feature i) for every encoder feature.
    public func backward(_ dy: FeatureMap, featureCount: Int) throws -> [FeatureMap?] {
        var grads = [FeatureMap?](repeating: nil, count: featureCount)
        var g = dy
        for i in stride(from: ups.count - 1, through: 0, by: -1) {
            let (dx, dskip) = try ups[i].backward(g)
            grads[featureCount - 2 - i] = dskip
            g = dx
        }
        grads[featureCount - 1] = g
        return grads
    }
}
