import ArgumentParser
import Foundation
import NeuralEngine
import Segmentation

struct ModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model", abstract: "Create model folders (config + weights + preprocessing).",
        subcommands: [ModelInitCommand.self, ModelImportCommand.self, ModelExportCommand.self, ModelFoldSidesCommand.self])
}

/// Copies a model folder (or a training run's best/ checkpoint) for shipping: same config and
/// preprocessing, weights optionally stored as F16 (half the file; the engine computes in Float32).
struct ModelExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "export", abstract: "Write a model folder for inference, optionally with half-precision weights.")
    @Argument(help: "Model folder (config.json, model.safetensors, preprocessing.json).") var model: String
    @Option(name: [.short, .customLong("output")], help: "Model folder to write.") var output: String
    @Flag(help: "Store the weights as F16.") var half = false

    func run() throws {
        let m = try ModelFolder.load(URL(fileURLWithPath: model))
        try m.save(to: URL(fileURLWithPath: output), floatType: half ? .f16 : .f32)
        print("wrote \(output): \(m.network.parameterCount) parameters\(half ? " (F16 weights)" : "")")
    }
}

struct ModelInitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "init", abstract: "A model with seeded random weights.")
    @Option(help: "Network config JSON (default: the reference UNet3D).") var config: String?
    @Option(help: "Weight seed.") var seed: UInt64 = 0
    @Option(help: "Network input size (voxels per axis).") var inputSize: Int = 128
    @Option(name: [.short, .customLong("output")], help: "Model folder to create.") var output: String

    func run() throws {
        let cfg = try config.map { try UNetConfig.load(URL(fileURLWithPath: $0)) } ?? UNetConfig()
        let pre = Preprocessing(inputSize: [inputSize, inputSize, inputSize], mirroredLabels: Preprocessing.hemisphereSwap(classes: cfg.classes))
        let m = try ModelFolder.initialize(config: cfg, preprocessing: pre, seed: seed)
        try m.save(to: URL(fileURLWithPath: output))
        print("wrote \(output): \(m.network.parameterCount) parameters")
    }
}

struct ModelImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "import", abstract: "Wrap PyTorch UNet3D weights (safetensors).")
    @Argument(help: "state_dict saved as safetensors.") var weights: String
    @Option(help: "Input channels.") var inChannels: Int = 1
    @Option(help: "Classes.") var classes: Int = 11
    @Option(help: "Base channels.") var baseChannels: Int = 8
    @Option(help: "Levels.") var levels: Int = 5
    @Flag(help: "The network has no squeeze-and-excitation blocks.") var noSe = false
    @Option(help: "Network input size (voxels per axis).") var inputSize: Int = 128
    @Option(name: [.short, .customLong("output")], help: "Model folder to create.") var output: String

    func run() throws {
        let cfg = UNetConfig(inChannels: inChannels, classes: classes, baseChannels: baseChannels, levels: levels,
                             squeezeExcite: !noSe)
        let pre = Preprocessing(inputSize: [inputSize, inputSize, inputSize], mirroredLabels: Preprocessing.hemisphereSwap(classes: classes))
        let m = try ModelFolder.importWeights(URL(fileURLWithPath: weights), config: cfg, preprocessing: pre)
        try m.save(to: URL(fileURLWithPath: output))
        print("wrote \(output): \(m.network.parameterCount) parameters")
    }
}

/// `model fold-sides`: a 21-class model as an 11-class (side-less) one, to train further with
/// `train --fold-sides` (see `ModelFolder.foldingSides`).
struct ModelFoldSidesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fold-sides",
        abstract: "Make a side-less 11-class model from a 21-class one (keeps one hemisphere's head channels).")
    @Argument(help: "21-class model folder (or a training run's best/).") var model: String
    @Option(help: "Hemisphere whose region channels are kept: the one the network learned.") var keep: ModelFolder.KeptSide
    @Option(name: [.short, .customLong("output")], help: "Model folder to write.") var output: String

    func run() throws {
        let m = try ModelFolder.load(URL(fileURLWithPath: model)).foldingSides(keep: keep)
        try m.save(to: URL(fileURLWithPath: output))
        print("wrote \(output): 11 classes, \(keep.rawValue) channels kept")
    }
}

extension ModelFolder.KeptSide: ExpressibleByArgument {}
