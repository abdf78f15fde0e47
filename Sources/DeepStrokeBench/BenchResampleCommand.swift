import ArgumentParser
import CommandSupport
import Foundation
import ImageCore

/// Resampling of a volume (see --size, --spacing) into a rotated grid of the same size and spacing.
struct BenchResample: ThreadedCommand {
    static let configuration = CommandConfiguration(
        commandName: "resample",
        abstract: "Time resampling into a grid rotated about the volume centre; prints the index map used."
    )

    @OptionGroup var options: BenchOptions
    var threadOptions: ThreadOptions { options.threadOptions }
    @Option(help: "Interpolation.")
    var interpolation: Interpolation = .linear
    @Option(help: "Rotation angle in degrees (about the axis 0.2,0.3,1 through the centre).")
    var degrees: Double = 10

    func run() throws {
        let mode = interpolation
        let input = try options.volume()
        let target = Geometry.rotatedAboutCentre(of: input.geometry, axis: SIMD3(0.2, 0.3, 1), degrees: degrees)
        let resampler = Resampler(interpolation: mode)
        let map = try resampler.indexMap(from: input.geometry, to: target)
        let timing = try options.time { try resampler.resample(input, to: target) }
        try options.finish(op: "resample-\(mode.rawValue)", extra: ["index_map": map.m], timing: timing)
    }
}

extension Geometry {
    /// Same size and spacing, direction rotated about `axis` through the grid's centre.
    static func rotatedAboutCentre(of g: Geometry, axis: SIMD3<Double>, degrees: Double) -> Geometry {
        let u = axis / (axis * axis).sum().squareRoot()
        let a = degrees * Double.pi / 180
        let c = Foundation.cos(a), s = Foundation.sin(a), t = 1 - c
        let r = [SIMD3(t * u.x * u.x + c, t * u.x * u.y + s * u.z, t * u.x * u.z - s * u.y),
                 SIMD3(t * u.x * u.y - s * u.z, t * u.y * u.y + c, t * u.y * u.z + s * u.x),
                 SIMD3(t * u.x * u.z + s * u.y, t * u.y * u.z - s * u.x, t * u.z * u.z + c)]
        let dir = g.direction.map { d in r[0] * d.x + r[1] * d.y + r[2] * d.z }
        let centreIndex = (SIMD3<Double>(g.size) - 1) / 2
        let centre = g.worldLPS(centreIndex)
        var out = Geometry(size: g.size, spacing: g.spacing, origin: .zero, direction: dir)
        out.origin = centre - out.worldLPS(centreIndex)
        return out
    }
}
