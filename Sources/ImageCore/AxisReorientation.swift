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
        try moved(v, gather: true)
    }

    /// The inverse: `v` (on `output`) back on `input`.
    public func restore<Voxel>(_ v: Volume<Voxel>) throws -> Volume<Voxel> {
        try moved(v, gather: false)
    }

    /// `apply` (`gather`) or `restore`: checks `v` is on the grid it starts from and copies it onto the
    /// other one. Specialised for the voxel types that are reoriented in bulk (the generic entry
    /// dispatches to these).
    @_specialize(where Voxel == Float)
    @_specialize(where Voxel == UInt8)
    @_specialize(where Voxel == Int16)
    @_specialize(where Voxel == Int32)
    private func moved<Voxel>(_ v: Volume<Voxel>, gather: Bool) throws -> Volume<Voxel> {
        try check(v.geometry, against: gather ? input : output, gather ? "reorient" : "restore")
        var out = Volume<Voxel>(geometry: gather ? output : input, components: v.components)
        copy(from: v.data, to: &out.data, components: v.components, gather: gather)
        return out
    }

    /// Moves every voxel of every component between the two orders: `gather` reads the input order and
    /// writes the output order, otherwise the reverse. Rows of the output run along one input axis with a
    /// fixed step, so each row is a strided copy.
    @inline(__always)
    private func copy<Voxel>(from src: [Voxel], to dst: inout [Voxel], components: Int, gather: Bool) {
        let n = input.size
        let stride = [1, n.x, n.x * n.y]
        let on = output.size
        let count = input.voxelCount
        let step = (0..<3).map { reversed[$0] ? -stride[permutation[$0]] : stride[permutation[$0]] }
        let start = (0..<3).map { reversed[$0] ? (n[permutation[$0]] - 1) * stride[permutation[$0]] : 0 }.reduce(0, +)
        src.withUnsafeBufferPointer { sb in
            dst.withUnsafeMutableBufferPointer { db in
                let s = sb.baseAddress!, d = db.baseAddress!
                let s0 = step[0], s1 = step[1], s2 = step[2]
                let rows = components * on.z * on.y
                parallelChunks(rows, minChunk: 64) { range in
                    for row in range {
                        let c = row / (on.z * on.y), rest = row % (on.z * on.y)
                        let k = rest / on.y, j = rest % on.y
                        let base = c * count
                        var i = base + start + k * s2 + j * s1
                        var o = base + (k * on.y + j) * on.x
                        if gather {
                            for _ in 0..<on.x { d[o] = s[i]; o += 1; i += s0 }
                        } else {
                            for _ in 0..<on.x { d[i] = s[o]; o += 1; i += s0 }
                        }
                    }
                }
            }
        }
    }

    private func check(_ g: Geometry, against expected: Geometry, _ what: String) throws {
        guard g.size == expected.size else {
            throw ImageCoreError.sizeMismatch("cannot \(what) a \(g.size.x)x\(g.size.y)x\(g.size.z) volume with an axis order made for \(expected.size.x)x\(expected.size.y)x\(expected.size.z)")
        }
    }
}
