import NeuralEngine

/// The normalisation layers a ResBlock3D can use, behind one interface.
public protocol Normalization: StateProvider {
    func forward(_ x: FeatureMap, training: Bool) throws -> FeatureMap
    /// Normalisation with a fused ReLU; `backward` then takes the gradient after the ReLU.
    func forward(_ x: FeatureMap, training: Bool, relu: Bool) throws -> FeatureMap
    func backward(_ dy: FeatureMap) throws -> FeatureMap
    /// The evaluation-mode normalisation as a per-channel affine map, when it is one (batch norm with
    /// running statistics), so inference can fold it into the preceding convolution; nil otherwise.
    var foldableAffine: (scale: [Float], shift: [Float])? { get }
}

extension BatchNorm3d: Normalization {
    public var foldableAffine: (scale: [Float], shift: [Float])? { inferenceAffine() }
}

extension GroupNorm3d: Normalization {
    /// Instance and group statistics depend on the input: nothing to fold.
    public var foldableAffine: (scale: [Float], shift: [Float])? { nil }
}

extension UNetConfig {
    func makeNorm(_ channels: Int) -> Normalization {
        switch norm {
        case .batch: return BatchNorm3d(channels)
        case .instance: return GroupNorm3d.instance(channels)
        case .group: return GroupNorm3d(groups: groups, channels: channels)
        }
    }

    var activationKind: ActivationKind {
        switch activation {
        case .relu: return .relu
        case .leakyReLU: return .leakyReLU(slope: 0.01)
        }
    }
}
