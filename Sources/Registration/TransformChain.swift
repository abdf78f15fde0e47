import Foundation
import ImageCore

/// One link of a transform chain: an affine map or a dense displacement field, both LPS point maps.
public enum TransformComponent: Sendable {
    case affine(AffineTransform3D)
    /// A displacement field: p -> p + d(p), d interpolated linearly; zero outside the field's grid, as in ITK.
    case field(DisplacementField)
}

/// How `TransformChain.resample` reads the input image.
public enum Interpolation: String, Sendable, CaseIterable {
    /// Trilinear.
    case linear
    /// Nearest voxel.
    case nearest
    /// Per-label linear voting: each label's trilinear weight over the 8 neighbours is summed and the
    /// heaviest label wins (ANTs' GenericLabel in spirit); smoother than nearest, never invents labels.
    case label
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

    /// Resamples `image` onto `reference` through the chain. Points more than half a voxel outside the
    /// input take `outside`.
    public func resample(_ image: Volume<Float>, onto reference: Geometry, interpolation: Interpolation,
                         outside: Float = 0) -> Volume<Float> {
        var out = Volume<Float>(geometry: reference, components: image.components)
        let dst = GridShape(reference.size), src = GridShape(image.size)
        let toWorld = reference.affineLPS
        let toIndex = image.geometry.inverseAffineLPS
        let comps = image.components
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
        image.data.withUnsafeBufferPointer { ib in
            out.data.withUnsafeMutableBufferPointer { ob in
                let ip = ib.baseAddress!, op = ob.baseAddress!
                parallelFor(dst.nz) { k in
                    for j in 0..<dst.ny {
                        for i in 0..<dst.nx {
                            var p = toWorld.apply(SIMD3(Double(i), Double(j), Double(k)))
                            for l in links { p = l.map(p) }
                            let x = toIndex.apply(p)
                            let q = dst.index(i, j, k)
                            guard isInsideHalfVoxel(src, x.x, x.y, x.z) else {
                                for c in 0..<comps { op[c * dst.count + q] = outside }
                                continue
                            }
                            for c in 0..<comps {
                                op[c * dst.count + q] = TransformChain.interpolate(ip + c * src.count, src, x, interpolation)
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

    @inline(__always)
    static func interpolate(_ p: UnsafePointer<Float>, _ s: GridShape, _ x: SIMD3<Double>, _ mode: Interpolation) -> Float {
        switch mode {
        case .linear:
            return TrilinearStencil(s, Float(x.x), Float(x.y), Float(x.z)).sample(p)
        case .nearest:
            let i = Swift.min(Swift.max(Int(x.x.rounded()), 0), s.nx - 1)
            let j = Swift.min(Swift.max(Int(x.y.rounded()), 0), s.ny - 1)
            let k = Swift.min(Swift.max(Int(x.z.rounded()), 0), s.nz - 1)
            return p[s.index(i, j, k)]
        case .label:
            let st = TrilinearStencil(s, Float(x.x), Float(x.y), Float(x.z))
            var labels: (Float, Float, Float, Float, Float, Float, Float, Float) = (0, 0, 0, 0, 0, 0, 0, 0)
            var weights: (Float, Float, Float, Float, Float, Float, Float, Float) = (0, 0, 0, 0, 0, 0, 0, 0)
            return withUnsafeMutableBytes(of: &labels) { lb -> Float in
                withUnsafeMutableBytes(of: &weights) { wb -> Float in
                    let ls = lb.bindMemory(to: Float.self), ws = wb.bindMemory(to: Float.self)
                    var used = 0
                    for c in 0..<8 {
                        let ox = (c & 1) != 0, oy = (c & 2) != 0, oz = (c & 4) != 0
                        let w = (ox ? st.fx : 1 - st.fx) * (oy ? st.fy : 1 - st.fy) * (oz ? st.fz : 1 - st.fz)
                        let v = p[st.i000 + (ox ? st.dx : 0) + (oy ? st.dy : 0) + (oz ? st.dz : 0)]
                        var e = 0
                        while e < used && ls[e] != v { e += 1 }
                        if e == used { ls[e] = v; ws[e] = 0; used += 1 }
                        ws[e] += w
                    }
                    var best = 0
                    for e in 1..<used where ws[e] > ws[best] { best = e }
                    return ls[best]
                }
            }
        }
    }
}
