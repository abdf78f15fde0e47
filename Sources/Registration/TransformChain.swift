import Foundation
import ImageCore

/// One link of a transform chain: an affine map or a dense displacement field, both LPS point maps.
public enum TransformComponent: Sendable {
    case affine(AffineTransform3D)
    /// A displacement field: p -> p + d(p), d interpolated linearly; zero outside the field's grid, as in ITK.
    case field(DisplacementField)
}

/// A sequence of point maps in antsApplyTransforms order: a reference point p goes through the first
/// component, then the second, and so on, ending in the input image's space. So `[warp, affine]` is the
/// usual "deformable then affine" chain (`-t warp.nii.gz -t affine.txt`) that pulls a moving image onto the
/// fixed grid.
public struct TransformChain: Sendable {
    public var components: [TransformComponent]

    public init(_ components: [TransformComponent]) {
        self.components = components
    }

    /// Maps one reference-space point (LPS mm) into the input space.
    public func map(_ p: SIMD3<Double>) -> SIMD3<Double> {
        var q = p
        for c in components {
            switch c {
            case .affine(let a): q = a.apply(q)
            case .field(let f): q = q + TransformChain.displacement(f, at: q)
            }
        }
        return q
    }

    /// Displacement (mm) of a field at a world point; zero more than half a voxel outside its grid.
    static func displacement(_ f: DisplacementField, at p: SIMD3<Double>) -> SIMD3<Double> {
        let idx = f.geometry.inverseAffineLPS.apply(p)
        let s = f.shape
        guard isInsideHalfVoxel(s, idx.x, idx.y, idx.z) else { return .zero }
        let st = TrilinearStencil(s, Float(idx.x), Float(idx.y), Float(idx.z))
        let n = s.count
        return f.data.withUnsafeBufferPointer { b -> SIMD3<Double> in
            let v = SIMD3<Double>(Double(st.sample(b.baseAddress!)), Double(st.sample(b.baseAddress! + n)),
                                  Double(st.sample(b.baseAddress! + 2 * n)))
            return f.geometry.affineLPS.applyLinear(v)
        }
    }

    /// Resamples `image` onto `reference` through the chain, with ImageCore's interpolation rules
    /// (`GridSampler`: footprint [-0.5, n - 0.5], edge replication inside it; `label` = per-label linear
    /// voting). Points outside the input take `outside`. A chain of affines only is folded into one matrix
    /// and handed to ImageCore's `Resampler`.
    public func resample(_ image: Volume<Float>, onto reference: Geometry, interpolation: Interpolation,
                         outside: Float = 0) throws -> Volume<Float> {
        if components.allSatisfy({ if case .affine = $0 { return true } else { return false } }) {
            // points go through A_1 first, then A_2, ...: the world map is A_n ... A_1
            let m = components.reduce(Matrix4.identity) { acc, c in
                if case .affine(let a) = c { return a.matrix * acc } else { return acc }
            }
            return try Resampler(interpolation: interpolation, transform: m, outsideValue: Double(outside)).resample(image, to: reference)
        }
        let source = interpolation == .cubic ? BSpline.cubicCoefficients(image) : image
        var out = Volume<Float>(geometry: reference, components: image.components)
        let dst = GridShape(reference.size)
        let toWorld = reference.affineLPS
        let toIndex = image.geometry.inverseAffineLPS
        let comps = image.components
        let inCount = image.voxelCount
        // Pre-extract what the inner loop needs: matrices and raw field copies (no enum or array access
        // per voxel, no matrix inversions per point).
        let links: [Link] = components.map { c in
            switch c {
            case .affine(let a):
                return Link(matrix: a.matrix, toIndex: .identity, toWorld: .identity, shape: GridShape(SIMD3(1, 1, 1)), data: nil)
            case .field(let f):
                let d = UnsafeMutablePointer<Float>.allocate(capacity: f.data.count)
                d.initialize(from: f.data, count: f.data.count)
                return Link(matrix: nil, toIndex: f.geometry.inverseAffineLPS, toWorld: f.geometry.affineLPS, shape: f.shape, data: d)
            }
        }
        defer { links.forEach { $0.data?.deallocate() } }
        source.data.withUnsafeBufferPointer { ib in
            out.data.withUnsafeMutableBufferPointer { ob in
                let op = ob.baseAddress!
                let samplers = (0..<comps).map { c in
                    GridSampler(UnsafeBufferPointer(rebasing: ib[(c * inCount)..<((c + 1) * inCount)]), size: image.size)
                }
                parallelFor(dst.nz) { k in
                    for j in 0..<dst.ny {
                        for i in 0..<dst.nx {
                            var p = toWorld.apply(SIMD3(Double(i), Double(j), Double(k)))
                            for l in links { p = l.map(p) }
                            let x = toIndex.apply(p)
                            let q = dst.index(i, j, k)
                            for c in 0..<comps {
                                let s = samplers[c]
                                guard s.contains(x.x, x.y, x.z) else { op[c * dst.count + q] = outside; continue }
                                switch interpolation {
                                case .linear: op[c * dst.count + q] = s.linear(x.x, x.y, x.z)
                                case .nearest: op[c * dst.count + q] = s.nearest(x.x, x.y, x.z)
                                case .label: op[c * dst.count + q] = s.labelVote(x.x, x.y, x.z)
                                case .cubic: op[c * dst.count + q] = s.cubicBSpline(x.x, x.y, x.z)
                                }
                            }
                        }
                    }
                }
            }
        }
        return out
    }

    /// A chain link ready for the inner loop.
    private struct Link {
        let matrix: Matrix4?
        let toIndex: Matrix4
        let toWorld: Matrix4
        let shape: GridShape
        let data: UnsafeMutablePointer<Float>?

        @inline(__always)
        func map(_ p: SIMD3<Double>) -> SIMD3<Double> {
            if let m = matrix { return m.apply(p) }
            guard let d = data else { return p }
            let idx = toIndex.apply(p)
            guard isInsideHalfVoxel(shape, idx.x, idx.y, idx.z) else { return p }
            let st = TrilinearStencil(shape, Float(idx.x), Float(idx.y), Float(idx.z))
            let n = shape.count
            let v = SIMD3<Double>(Double(st.sample(d)), Double(st.sample(d + n)), Double(st.sample(d + 2 * n)))
            return p + toWorld.applyLinear(v)
        }
    }
}
