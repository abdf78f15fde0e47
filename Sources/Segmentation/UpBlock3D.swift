import NeuralEngine

/// Decoder step: learned 2x upsampling (ConvTranspose3d k2 s2), concatenation with the encoder
/// skip (upsampled channels first), then a ResBlock3D back to `cout` channels.
public final class UpBlock3D: StateProvider {
    public let up: ConvTranspose3d
    public let block: ResBlock3D
    private var upChannels: Int

    public init(_ cin: Int, _ cout: Int, config: UNetConfig, rng: inout RandomSource) {
        up = ConvTranspose3d(cin, cout, kernel: 2, stride: 2, rng: &rng)
        block = ResBlock3D(2 * cout, cout, stride: 1, config: config, rng: &rng)
        upChannels = cout
    }

    public func stateItems() -> [(String, StateItem)] {
        prefixed("up", up.stateItems()) + prefixed("block", block.stateItems())
    }

    public func forward(_ x: consuming FeatureMap, skip: consuming FeatureMap, training: Bool) throws -> FeatureMap {
        let u = try up.forward(x, training: training)
        _ = consume x
        let joined = try concat(u, skip)
        _ = consume u
        _ = consume skip
        return try block.forward(consume joined, training: training)
    }

    /// Returns (dL/dx, dL/dskip).
    public func backward(_ dy: FeatureMap) throws -> (FeatureMap, FeatureMap) {
        let dcat = try block.backward(dy)!
        let (du, dskip) = try splitChannels(dcat, at: upChannels)
        return (try up.backward(du), dskip)
    }
}
