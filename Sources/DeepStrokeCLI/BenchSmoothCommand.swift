import ArgumentParser
import ImageCore

/// Gaussian smoothing of an n^3 volume (1 mm voxels) with one sigma in mm.
struct BenchSmooth: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "smooth", abstract: "Time Gaussian smoothing.")

    @OptionGroup var options: BenchOptions
    @Option(help: "Gaussian sigma in mm (the volume has 1 mm voxels).")
    var sigma: Double = 2

    func run() throws {
        let input = try options.volume()
        let timing = try options.time { try input.gaussianSmoothed(sigmaMM: sigma) }
        try options.finish(op: "smooth", extra: ["sigma_mm": sigma], timing: timing)
    }
}
