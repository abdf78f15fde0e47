import Foundation

/// The shape of a UNet3D, stored as `config.json` in a model folder.
///
/// Defaults are the reference network: 1 input channel, 11 classes, base 8 channels doubled at each
/// of 5 levels (8, 16, 32, 64, 128), channel dropout 0.2, squeeze-and-excitation, batch norm.
public struct UNetConfig: Codable, Equatable, Sendable {
    public enum Norm: String, Codable, Sendable { case batch, instance, group }
    public enum ActivationName: String, Codable, Sendable { case relu, leakyReLU = "leaky_relu" }

    public var inChannels: Int = 1
    public var classes: Int = 11
    public var baseChannels: Int = 8
    public var levels: Int = 5
    public var dropout: Float = 0.2
    public var squeezeExcite: Bool = true
    public var seReduction: Int = 4
    public var norm: Norm = .batch
    /// Groups for `norm == .group`.
    public var groups: Int = 4
    public var activation: ActivationName = .relu

    public init(inChannels: Int = 1, classes: Int = 11, baseChannels: Int = 8, levels: Int = 5, dropout: Float = 0.2,
                squeezeExcite: Bool = true, norm: Norm = .batch, groups: Int = 4, activation: ActivationName = .relu) {
        self.inChannels = inChannels; self.classes = classes; self.baseChannels = baseChannels
        self.levels = levels; self.dropout = dropout; self.squeezeExcite = squeezeExcite
        self.norm = norm; self.groups = groups; self.activation = activation
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = UNetConfig()
        inChannels = try c.decodeIfPresent(Int.self, forKey: .inChannels) ?? d.inChannels
        classes = try c.decodeIfPresent(Int.self, forKey: .classes) ?? d.classes
        baseChannels = try c.decodeIfPresent(Int.self, forKey: .baseChannels) ?? d.baseChannels
        levels = try c.decodeIfPresent(Int.self, forKey: .levels) ?? d.levels
        dropout = try c.decodeIfPresent(Float.self, forKey: .dropout) ?? d.dropout
        squeezeExcite = try c.decodeIfPresent(Bool.self, forKey: .squeezeExcite) ?? d.squeezeExcite
        seReduction = try c.decodeIfPresent(Int.self, forKey: .seReduction) ?? d.seReduction
        norm = try c.decodeIfPresent(Norm.self, forKey: .norm) ?? d.norm
        groups = try c.decodeIfPresent(Int.self, forKey: .groups) ?? d.groups
        activation = try c.decodeIfPresent(ActivationName.self, forKey: .activation) ?? d.activation
    }

    enum CodingKeys: String, CodingKey {
        case inChannels = "in_channels", classes, baseChannels = "base_channels", levels, dropout
        case squeezeExcite = "squeeze_excite", seReduction = "se_reduction", norm, groups, activation
    }

    /// Channels at each level: base, 2·base, 4·base, ...
    public var channels: [Int] { (0..<levels).map { baseChannels << $0 } }

    /// Spatial sizes must be divisible by this (one halving per level below the top).
    public var sizeDivisor: Int { 1 << (levels - 1) }

    public func validate() throws {
        guard inChannels >= 1 else { throw SegmentationError.invalidConfig("in_channels must be >= 1, got \(inChannels)") }
        guard classes >= 2 else { throw SegmentationError.invalidConfig("classes must be >= 2, got \(classes)") }
        guard baseChannels >= 1 else { throw SegmentationError.invalidConfig("base_channels must be >= 1") }
        guard (1...8).contains(levels) else { throw SegmentationError.invalidConfig("levels must be 1...8, got \(levels)") }
        guard dropout >= 0, dropout < 1 else { throw SegmentationError.invalidConfig("dropout must be in [0, 1), got \(dropout)") }
        guard seReduction >= 1 else { throw SegmentationError.invalidConfig("se_reduction must be >= 1") }
        if norm == .group {
            for c in channels where c % groups != 0 {
                throw SegmentationError.invalidConfig("\(c) channels do not split into \(groups) groups")
            }
        }
    }

    public static func load(_ url: URL) throws -> UNetConfig {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw SegmentationError.invalidConfig("\(url.path) cannot be read: \(error.localizedDescription)")
        }
        let c: UNetConfig
        do { c = try JSONDecoder().decode(UNetConfig.self, from: data) } catch {
            throw SegmentationError.invalidConfig("\(url.path) is not a valid model config: \(error)")
        }
        try c.validate()
        return c
    }

    public func jsonData() throws -> Data {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try e.encode(self)
    }
}
