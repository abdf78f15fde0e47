import Foundation
import ImageCore
import NeuralEngine

/// A model on disk: a folder with `config.json` (network shape), `model.safetensors` (weights with
/// PyTorch state_dict names) and `preprocessing.json` (what input it expects).
public struct ModelFolder {
    public static let configName = "config.json"
    public static let weightsName = "model.safetensors"
    public static let preprocessingName = "preprocessing.json"

    public var config: UNetConfig
    public var preprocessing: Preprocessing
    public var network: UNet3D

    public init(config: UNetConfig, preprocessing: Preprocessing, network: UNet3D) {
        self.config = config
        self.preprocessing = preprocessing
        self.network = network
    }

    /// A new model with seeded PyTorch-style random weights.
    public static func initialize(config: UNetConfig, preprocessing: Preprocessing = Preprocessing(), seed: UInt64) throws -> ModelFolder {
        try preprocessing.validate(classes: config.classes)
        return ModelFolder(config: config, preprocessing: preprocessing, network: try UNet3D(config: config, seed: seed))
    }

    /// Wraps a PyTorch state_dict saved as safetensors (all names and shapes must fit `config`).
    public static func importWeights(_ url: URL, config: UNetConfig, preprocessing: Preprocessing = Preprocessing()) throws -> ModelFolder {
        let m = try initialize(config: config, preprocessing: preprocessing, seed: 0)
        try m.network.load(try SafeTensors.read(url))
        return m
    }

    public static func load(_ dir: URL) throws -> ModelFolder {
        let fm = FileManager.default
        for name in [configName, weightsName] where !fm.fileExists(atPath: dir.appendingPathComponent(name).path) {
            throw SegmentationError.modelFolder(path: dir.path, problem: "\(name) is missing")
        }
        let config = try UNetConfig.load(dir.appendingPathComponent(configName))
        var pre = Preprocessing()
        let preURL = dir.appendingPathComponent(preprocessingName)
        if fm.fileExists(atPath: preURL.path) {
            do { pre = try JSONDecoder().decode(Preprocessing.self, from: Data(contentsOf: preURL)) } catch {
                throw SegmentationError.modelFolder(path: dir.path, problem: "\(preprocessingName) is not valid: \(error)")
            }
        }
        try pre.validate(classes: config.classes)
        let net = try UNet3D(config: config, seed: 0)
        do { try net.load(try SafeTensors.read(dir.appendingPathComponent(weightsName))) } catch {
            throw SegmentationError.modelFolder(path: dir.path, problem: "\(error)")
        }
        return ModelFolder(config: config, preprocessing: pre, network: net)
    }

    /// Writes the three files (each atomically). `floatType: .f16` halves the weights file for shipping
    /// (inference only; training keeps F32).
    public func save(to dir: URL, metadata: [String: String] = [:], floatType: SafeTensors.DType = .f32) throws {
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try AtomicFile.write(try config.jsonData(), to: dir.appendingPathComponent(Self.configName))
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(try enc.encode(preprocessing), to: dir.appendingPathComponent(Self.preprocessingName))
        var st = network.stateDict(floatType: floatType)
        st.metadata = metadata.merging(["format": "pt"]) { a, _ in a }
        try st.write(to: dir.appendingPathComponent(Self.weightsName))
    }
}
