import NeuralEngine

/// Squeeze-and-excitation: a per-channel gate computed from the channel means,
/// out = x · sigmoid(fc2(relu(fc1(mean_dhw(x))))), hidden width max(1, C / reduction).
public final class SqueezeExcite3D: StateProvider {
    public let fc1: Linear, fc2: Linear
    private let pool = GlobalAvgPool()
    private let relu = Activation(.relu)
    private let sigmoid = Activation(.sigmoid)
    private let scale = ChannelScale()

    public init(_ channels: Int, reduction: Int = 4, rng: inout RandomSource) {
        let hidden = Swift.max(1, channels / reduction)
        fc1 = Linear(channels, hidden, rng: &rng)
        fc2 = Linear(hidden, channels, rng: &rng)
    }

    public func stateItems() -> [(String, StateItem)] {
        prefixed("fc1", fc1.stateItems()) + prefixed("fc2", fc2.stateItems())
    }

    public func forward(_ x: FeatureMap, training: Bool) throws -> FeatureMap {
        try scale.forward(x, scale: try gate(x, training: training), training: training)
    }

    /// The per-channel gate [N, C] in (0, 1).
    public func gate(_ x: FeatureMap, training: Bool = false) throws -> Tensor {
        let s = pool.forward(x, training: training)
        let h = relu.forward(try fc1.forward(s, training: training), training: training)
        return sigmoid.forward(try fc2.forward(h, training: training), training: training)
    }

    public func backward(_ dy: FeatureMap) throws -> FeatureMap {
        let (dxDirect, dg) = try scale.backward(dy)
        let ds = try fc1.backward(try relu.backward(try fc2.backward(try sigmoid.backward(dg!))))
        return try add(dxDirect, try pool.backward(ds))
    }
}
