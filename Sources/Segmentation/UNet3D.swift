import NeuralEngine

/// The 3-D U-Net of the fast path: encoder, decoder and a 1x1x1 convolution to class logits.
/// State names follow the PyTorch reference (`encoder.stages.0.conv1.weight`, ...), so its
/// state_dict loads as is.
public final class UNet3D: StateProvider {
    public let config: UNetConfig
    public let encoder: UNetEncoder3D
    public let decoder: CNNDecoder3D
    public let head: Conv3d
    private var featureCount = 0

    /// A network with PyTorch-style random initial weights drawn from `seed`.
    public init(config: UNetConfig, seed: UInt64 = 0) throws {
        try config.validate()
        self.config = config
        var rng = RandomSource(seed: seed)
        encoder = UNetEncoder3D(config: config, rng: &rng)
        decoder = CNNDecoder3D(config: config, rng: &rng)
        head = Conv3d(config.baseChannels, config.classes, kernel: 1, bias: true, rng: &rng)
    }

    public func stateItems() -> [(String, StateItem)] {
        prefixed("encoder", encoder.stateItems()) + prefixed("decoder", decoder.stateItems())
            + prefixed("head", head.stateItems())
    }

    /// Channel dropout layers by PyTorch module name (for imposing masks in parity tests).
    public var dropoutLayers: [(String, Dropout3d)] {
        encoder.stages.enumerated().map { ("encoder.stages.\($0.offset).drop", $0.element.drop) }
            + decoder.ups.enumerated().map { ("decoder.ups.\($0.offset).block.drop", $0.element.block.drop) }
    }

    /// Every ResBlock3D, encoder stages first.
    public var residualBlocks: [ResBlock3D] { encoder.stages + decoder.ups.map(\.block) }

    public func checkInput(_ x: FeatureMap) throws {
        guard x.c == config.inChannels else {
            throw SegmentationError.invalidInput("the model takes \(config.inChannels) channel(s), the input has \(x.c)")
        }
        let k = config.sizeDivisor
        guard x.d % k == 0, x.h % k == 0, x.w % k == 0 else {
            throw SegmentationError.invalidInput("input size \(x.d)x\(x.h)x\(x.w) must be divisible by \(k) for \(config.levels) levels")
        }
    }

    /// Raw class logits [N, classes, D, H, W]. `training` selects batch statistics and dropout and
    /// keeps what `backward` needs.
    /// `x` is taken over: in evaluation each activation is released right after its last reader, which
    /// keeps a 256^3 pass within about four full-resolution maps.
    public func forward(_ x: consuming FeatureMap, training: Bool) throws -> FeatureMap {
        try checkInput(x)
        let features = try encoder.forward(consume x, training: training)
        featureCount = features.count
        let decoded = try decoder.forward(consume features, training: training)
        return try head.forward(consume decoded, training: training)
    }

    /// Accumulates every parameter's gradient from dL/dlogits.
    public func backward(_ dlogits: FeatureMap) throws {
        let dy = try head.backward(dlogits)!
        try encoder.backward(try decoder.backward(dy, featureCount: featureCount))
    }
}
