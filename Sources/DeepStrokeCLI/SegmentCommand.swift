import ArgumentParser
import CommandSupport
import Foundation
import ImageCore
import NIfTI
import Segmentation

struct SegmentCommand: ThreadedCommand {
    static let configuration = CommandConfiguration(
        commandName: "segment", abstract: "Segment a CT with a U-Net model folder (labels on the CT's own grid).")
    @Argument(help: "CT in HU (.nii / .nii.gz).") var ct: String
    @Option(help: "Model folder (or a training run folder: its best/ model is used).") var model: String
    @Option(name: [.short, .customLong("output")], help: "Label volume to write.") var output: String
    @Option(help: "Also write per-class probabilities (4-D NIfTI).") var probabilities: String?
    @Flag(help: "Average with a left-right mirrored pass.") var tta = false
    @OptionGroup var threadOptions: ThreadOptions

    func run() throws {
        let start = Date()
        var dir = URL(fileURLWithPath: model)
        if !FileManager.default.fileExists(atPath: dir.appendingPathComponent(ModelFolder.configName).path),
           FileManager.default.fileExists(atPath: dir.appendingPathComponent("best/\(ModelFolder.configName)").path) {
            dir = dir.appendingPathComponent("best")
        }
        let m = try ModelFolder.load(dir)
        let vol = try NIfTIFile.readVolume(URL(fileURLWithPath: ct), as: Float.self)
        let result = try Segmenter(model: m, mirrorTTA: tta).segment(vol, probabilities: probabilities != nil)
        try NIfTIFile.write(result.labels, to: URL(fileURLWithPath: output))
        if let p = probabilities, let probs = result.probabilities {
            var opts = NIfTIWriteOptions()
            opts.intentCode = NIfTIIntent.none
            try NIfTIFile.write(probs, to: URL(fileURLWithPath: p), options: opts)
        }
        print(String(format: "segmented %@ in %.2f s", ct, Date().timeIntervalSince(start)))
    }
}
