import ArgumentParser
import CommandSupport
import Foundation
import ImageCore
import NeuralEngine
import Segmentation

/// Times the reference network (for bench/nn_unet.py): forward in evaluation mode, or one training
/// step (forward + DiceCE + backward + Adam), on a random volume; prints JSON with the best time
/// and the process's peak resident memory.
struct BenchUNetCommand: ThreadedCommand {
    static let configuration = CommandConfiguration(commandName: "unet", abstract: "Time the U-Net (forward, or one training step).")
    @Option(help: "Cube size.") var size: Int = 64
    /// What is timed.
    enum Mode: String, CaseIterable, ExpressibleByArgument {
        /// Evaluation-mode forward pass.
        case forward
        /// Forward, DiceCE loss, backward and one Adam update.
        case train
    }

    @Option(help: "What to time.") var mode: Mode = .forward
    @Option(help: "Timed repetitions (after one warm-up).") var repeats: Int = 2
    @Option(help: "Network config JSON (default: base 8, 5 levels, SE, 11 classes).") var config: String?
    @OptionGroup var threadOptions: ThreadOptions

    func run() throws {
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
            if mode == .train {
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
        print("{\"mode\": \"\(mode.rawValue)\", \"size\": \(size), \"seconds\": \(times.min()!), \"all\": \(times), \"peak_rss_mb\": \(peakRSSMegabytes()), \"peak_buffers_mb\": \(Double(HostMemory.largeBufferBytes.peak) / 1_048_576), \"threads\": \(Parallelism.current.threadCount)}")
    }

    func peakRSSMegabytes() -> Double {
        guard let s = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = s.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kb = Double(line.split(separator: " ").dropFirst().first ?? "") else { return -1 }
        return kb / 1024
    }
}
