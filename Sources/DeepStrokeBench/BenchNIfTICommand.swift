import ArgumentParser
import CommandSupport
import Foundation
import ImageCore
import NIfTI

struct BenchNIfTICommand: ThreadedCommand {
    static let configuration = CommandConfiguration(
        commandName: "nifti",
        abstract: "Time reading a NIfTI file as float32 and writing it back (.nii.gz).")

    @Option(help: "Input NIfTI file.")
    var input: String

    @Option(help: "Output file for the write timing (default: a temporary .nii.gz, removed afterwards).")
    var output: String?

    @Option(help: "gzip level for the write.")
    var level = 1

    @Option(help: "Repetitions; the best time is reported.")
    var `repeat` = 3

    @OptionGroup var threadOptions: ThreadOptions

    func run() throws {
        let inURL = URL(fileURLWithPath: input)
        let outURL = output.map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("deepstroke-bench-\(getpid()).nii.gz")
        var readTimes: [Double] = [], writeTimes: [Double] = []
        var volume: Volume<Float>? = nil
        for _ in 0..<max(1, self.repeat) {
            let t0 = DispatchTime.now().uptimeNanoseconds
            volume = try NIfTIFile.readVolume(inURL, as: Float.self)
            readTimes.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
        }
        var options = NIfTIWriteOptions()
        options.compressionLevel = level
        for _ in 0..<max(1, self.repeat) {
            let t0 = DispatchTime.now().uptimeNanoseconds
            try NIfTIFile.write(volume!, to: outURL, options: options)
            writeTimes.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
        }
        let size = (try? FileManager.default.attributesOfItem(atPath: outURL.path)[.size] as? Int) ?? 0
        if output == nil { try? FileManager.default.removeItem(at: outURL) }
        print("{\"read_s\": \(readTimes.min()!), \"write_s\": \(writeTimes.min()!), \"threads\": \(Parallelism.current.threadCount), \"level\": \(level), \"written_bytes\": \(size)}")
    }
}
