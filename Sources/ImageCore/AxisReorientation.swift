/// A permutation and reversal of voxel axes — no resampling, no interpolation — that makes a grid's
/// axes point as nearly as they can along +x (patient left), +y (posterior) and +z (superior), the
/// LPS voxel order of an axial DICOM series.
///
/// Whole-scan networks look at voxel arrays, not at world coordinates: a scan stored LAS (as NIfTI
/// converters often write it) and the same scan stored LPS are mirror images to them. Bringing every
/// scan to one voxel order before it reaches a network, in training and in inference, removes that.
public struct AxisReorientation: Equatable, Sendable {
    /// Output axis a reads input axis `permutation[a]`...
    public let permutation: [Int]
    /// ...backwards when `reversed[a]`.
    public let reversed: [Bool]
    /// The grid the volume had, and the grid it gets.
    public let input: Geometry
    public let output: Geometry

    public init(toLPS g: Geometry) {
        // The permutation that best lines the axes up with x, y, z (the largest summed |cosine|), so
        // oblique and gantry-tilted grids get the nearest order too.
        let perms = [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]]
        let best = perms.max { a, b in
            (0..<3).map { abs(g.direction[a[$0]][$0]) }.reduce(0, +) < (0..<3).map { abs(g.direction[b[$0]][$0]) }.reduce(0, +)
        }!
        let flip = (0..<3).map { g.direction[best[$0]][$0] < 0 }
        var start = SIMD3<Double>.zero
        for a in 0..<3 where flip[a] { start[best[a]] = Double(g.size[best[a]] - 1) }
        permutation = best
        reversed = flip
        input = g
        output = Geometry(size: SIMD3((0..<3).map { g.size[best[$0]] }),
                          spacing: SIMD3((0..<3).map { g.spacing[best[$0]] }),
                          origin: g.worldLPS(start),
                          direction: (0..<3).map { flip[$0] ? -g.direction[best[$0]] : g.direction[best[$0]] })
    }

    public var isIdentity: Bool { permutation == [0, 1, 2] && !reversed.contains(true) }

    /// `v` (on `input`) in the LPS voxel order (on `output`); every component moves alike.
    public func apply<Voxel>(_ v: Volume<Voxel>) throws -> Volume<Voxel> {
        try check(v.geometry, against: input, "reorient")
        var out = Volume<Voxel>(geometry: output, components: v.components)
        let n = input.voxelCount
        for c in 0..<v.components { visit { o, i in out.data[c * n + o] = v.data[c * n + i] } }
        return out
    }

    /// The inverse: `v` (on `output`) back on `input`.
    public func restore<Voxel>(_ v: Volume<Voxel>) throws -> Volume<Voxel> {
        try check(v.geometry, against: output, "restore")
        var out = Volume<Voxel>(geometry: input, components: v.components)
        let n = input.voxelCount
        for c in 0..<v.components { visit { o, i in out.data[c * n + i] = v.data[c * n + o] } }
        return out
    }

    private func check(_ g: Geometry, against expected: Geometry, _ what: String) throws {
        guard g.size == expected.size else {
            throw ImageCoreError.sizeMismatch("cannot \(what) a \(g.size.x)x\(g.size.y)x\(g.size.z) volume with an axis order made for \(expected.size.x)x\(expected.size.y)x\(expected.size.z)")
        }
    }

    /// Calls `body(outputIndex, inputIndex)` for every voxel of one component.
    private func visit(_ body: (Int, Int) -> Void) {
        let n = input.size
        let stride = [1, n.x, n.x * n.y]
        let on = output.size
        // Step and start of the input linear index along each output axis.
        let step = (0..<3).map { reversed[$0] ? -stride[permutation[$0]] : stride[permutation[$0]] }
        let start = (0..<3).map { reversed[$0] ? (n[permutation[$0]] - 1) * stride[permutation[$0]] : 0 }.reduce(0, +)
        var o = 0
        for k in 0..<on.z {
            for j in 0..<on.y {
                var i = start + k * step[2] + j * step[1]
                for _ in 0..<on.x {
                    body(o, i)
                    o += 1
                    i += step[0]
                }
            }
        }
    }
}
