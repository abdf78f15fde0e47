import ArgumentParser
import CommandSupport
import ImageCore

/// Gaussian smoothing of a volume (see --size, --spacing) with one sigma in mm on every axis.
struct BenchSmooth: ThreadedCommand {
    static let configuration = CommandConfiguration(commandName: "smooth", abstract: "Time Gaussian smoothing.")

    @OptionGroup var options: BenchOptions
    var threadOptions: ThreadOptions { options.threadOptions }
    @Option(help: "Gaussian sigma in mm (divided by --spacing per axis).")
    var sigma: Double = 2

    func run() throws {
        let input = try options.volume()
        let timing = try options.time { try input.gaussianSmoothed(sigmaMM: sigma) }
        try options.finish(op: "smooth", extra: ["sigma_mm": sigma], timing: timing)
    }
}
