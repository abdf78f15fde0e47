import ArgumentParser
import Foundation
import ImageCore
import NeuralEngine
import NIfTI
import Segmentation

struct NNCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nn", abstract: "Run the bare network (parity checks, debugging).", subcommands: [NNForwardCommand.self, NNBenchCommand.self])
}

struct NNForwardCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "forward",
        abstract: "Logits of the network on the volume's voxels as they are (no resampling, no normalisation).")
    @Option(help: "Model folder.") var model: String
    @Option(help: "Input volume (.nii / .nii.gz); its size must be divisible by 2^(levels-1).") var input: String
    @Option(name: [.short, .customLong("output")], help: "Logits, 4-D NIfTI (last axis = class).") var output: String
    @Flag(help: "Training-mode forward (batch statistics) instead of evaluation.") var train = false
    @Option(help: "Threads.") var threads: Int?

    func run() throws {
        if let t = threads { Parallelism.threadCount = t }
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

/// Times the reference network (for bench/nn_unet.py): forward in evaluation mode, or one training
/// step (forward + DiceCE + backward + Adam), on a random volume; prints JSON with the best time
/// and the process's peak resident memory.
struct NNBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bench", abstract: "Time the U-Net.", shouldDisplay: false)
    @Option(help: "Cube size.") var size: Int = 64
    @Option(help: "forward or train.") var mode: String = "forward"
    @Option(help: "Timed repetitions (after one warm-up).") var repeats: Int = 2
    @Option(help: "Network config JSON (default: base 8, 5 levels, SE, 11 classes).") var config: String?
    @Option(help: "Threads.") var threads: Int?

    func run() throws {
        if let t = threads { Parallelism.threadCount = t }
        let cfg = try config.map { try UNetConfig.load(URL(fileURLWithPath: $0)) } ?? UNetConfig()
        let net = try UNet3D(config: cfg, seed: 1)
        var rng = RandomSource(seed: 2)
        let n = size * size * size
        let input = Tensor(shape: [1, 1, size, size, size], data: (0..<n).map { _ in rng.uniform(0, 1) })
        let labels = LabelMap(shape: [1, size, size, size], data: (0..<n).map { _ in Int32(rng.next() % UInt64(cfg.classes)) })
        let loss = DiceCELoss(probability: .softmax)
        let adam = Adam(learningRate: 1e-3)
        var times: [Double] = []
        for r in 0...repeats {
            let start = Date()
            if mode == "train" {
                let logits = try net.forward(FeatureMap(input), training: true).tensor()
                let res = try loss(logits, labels)
                net.zeroGrad()
                try net.backward(FeatureMap(res.gradient))
                adam.update(net.parameters())
            } else {
                _ = try net.forward(FeatureMap(input), training: false)
            }
            if r > 0 { times.append(Date().timeIntervalSince(start)) }
        }
        print("{\"mode\": \"\(mode)\", \"size\": \(size), \"seconds\": \(times.min()!), \"all\": \(times), \"peak_rss_mb\": \(peakRSSMegabytes()), \"peak_buffers_mb\": \(Double(HostMemory.largeBufferBytes.peak) / 1_048_576), \"threads\": \(Parallelism.threadCount)}")
    }

    func peakRSSMegabytes() -> Double {
        guard let s = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = s.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kb = Double(line.split(separator: " ").dropFirst().first ?? "") else { return -1 }
        return kb / 1024
    }
}
