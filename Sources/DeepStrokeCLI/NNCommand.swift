import ArgumentParser
import CommandSupport
import Foundation
import ImageCore
import NeuralEngine
import NIfTI
import Segmentation

struct NNCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nn", abstract: "Run the bare network (parity checks, debugging).", subcommands: [NNForwardCommand.self])
}

struct NNForwardCommand: ThreadedCommand {
    static let configuration = CommandConfiguration(
        commandName: "forward",
        abstract: "Logits of the network on the volume's voxels as they are (no resampling, no normalisation).")
    @Option(help: "Model folder.") var model: String
    @Option(help: "Input volume (.nii / .nii.gz); its size must be divisible by 2^(levels-1).") var input: String
    @Option(name: [.short, .customLong("output")], help: "Logits, 4-D NIfTI (last axis = class).") var output: String
    @Flag(help: "Training-mode forward (batch statistics) instead of evaluation.") var train = false
    @OptionGroup var threadOptions: ThreadOptions

    func run() throws {
        let m = try ModelFolder.load(URL(fileURLWithPath: model))
        let vol = try NIfTIFile.readVolume(URL(fileURLWithPath: input), as: Float.self)
        guard vol.components == m.config.inChannels else {
            throw ValidationError("the model takes \(m.config.inChannels) channel(s), \(input) has \(vol.components)")
        }
        let s = vol.size
        let start = Date()
        let logits = try m.network.forward(FeatureMap(Tensor(shape: [1, vol.components, s.z, s.y, s.x], data: vol.data)),
                                           training: train).tensor()
        let seconds = Date().timeIntervalSince(start)
        let out = try Volume<Float>(geometry: vol.geometry, components: m.config.classes, data: logits.data)
        var opts = NIfTIWriteOptions()
        opts.intentCode = NIfTIIntent.none
        try NIfTIFile.write(out, to: URL(fileURLWithPath: output), options: opts)
        print(String(format: "forward %dx%dx%d in %.3f s", s.x, s.y, s.z, seconds))
    }
}
