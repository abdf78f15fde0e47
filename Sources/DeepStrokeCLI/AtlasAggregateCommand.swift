import ArgumentParser
import Atlas
import CommandSupport
import Foundation
import ImageCore
import NIfTI

struct AtlasAggregateCommand: ThreadedCommand {
    static let configuration = CommandConfiguration(
        commandName: "aggregate",
        abstract: "Average many scans' outline overlays in atlas space (a mean overlay template).",
        discussion: """
            Each overlay (uint8 mask on its scan's grid) is carried into atlas space through the transforms of its \
            scan, i.e. the work folder of 'deepstroke label --work DIR' (transform_0GenericAffine.txt, \
            transform_1Warp.nii.gz, transform_1InverseWarp.nii.gz). Give as many --transforms folders as overlays, \
            in the same order, or a text file listing them one per line (likewise for --overlays). The output voxel \
            value is the fraction of scans whose outline passes there.
            """)

    @Option(parsing: .upToNextOption, help: "Overlay masks, or one .txt file listing them.")
    var overlays: [String]

    @Option(parsing: .upToNextOption, help: "Transform folders (one per overlay, same order), or one .txt file listing them.")
    var transforms: [String]

    @Option(help: "Atlas folder whose grid the mean is written on (default: the grid of the first warp).")
    var atlas: String?

    @Option(help: "Gaussian smoothing of the mean, mm (0 = none).")
    var sigma: Double = 0

    @Option(name: .shortAndLong, help: "Output mean overlay (.nii or .nii.gz, float32).")
    var output: String

    @OptionGroup var threadOptions: ThreadOptions

    /// The paths themselves, or the lines of a single .txt list.
    static func expand(_ items: [String]) throws -> [String] {
        guard items.count == 1, items[0].hasSuffix(".txt") else { return items }
        let text: String
        do { text = try String(contentsOfFile: items[0], encoding: .utf8) } catch {
            throw ValidationError("cannot read the list \(items[0])")
        }
        return text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix("#") }
    }

    func validate() throws {
        guard sigma >= 0, sigma.isFinite else { throw ValidationError("--sigma must be >= 0") }
    }

    func run() throws {
        let overlayPaths = try Self.expand(overlays), transformPaths = try Self.expand(transforms)
        guard !overlayPaths.isEmpty else { throw ValidationError("no overlays given") }
        guard overlayPaths.count == transformPaths.count else {
            throw ValidationError("\(overlayPaths.count) overlays but \(transformPaths.count) transform folders; give one per overlay")
        }
        var grid: Geometry? = try atlas.map { try Atlas(directory: URL(fileURLWithPath: $0)).template.geometry }
        var accumulator: OverlayAggregation.Accumulator? = nil
        for (o, t) in zip(overlayPaths, transformPaths) {
            let chain = try LabelTransferTransforms.read(from: URL(fileURLWithPath: t))
            if grid == nil {
                guard let w = chain.inverseWarp else {
                    throw ValidationError("\(t) holds no warp to take the atlas grid from; pass --atlas")
                }
                grid = w.geometry
            }
            if accumulator == nil { accumulator = OverlayAggregation.Accumulator(geometry: grid!) }
            let mask = try NIfTIFile.readVolume(URL(fileURLWithPath: o), as: UInt8.self)
            accumulator!.add(overlay: mask, transforms: chain)
        }
        let mean = try OverlayAggregation(sigmaMM: sigma).mean(of: accumulator!)
        try NIfTIFile.write(mean, to: URL(fileURLWithPath: output))
        print("mean of \(accumulator!.scans) overlays (\(accumulator!.points) points) -> \(output)")
    }
}
