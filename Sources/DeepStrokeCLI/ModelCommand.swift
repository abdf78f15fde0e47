import ArgumentParser
import Foundation
import Segmentation

struct ModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model", abstract: "Create model folders (config + weights + preprocessing).",
        subcommands: [ModelInitCommand.self, ModelImportCommand.self])
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
