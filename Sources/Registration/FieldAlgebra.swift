import ImageCore

/// Dense-field operations on a shared grid (voxel units) for the planar fields of the public API
/// (`DisplacementField`; the SyN iterations use `InterleavedField`): warping an image, composing two maps
/// and smoothing. They work on raw pointers and parallelise over k-slices; positions outside the grid
/// are clamped to its border.
enum FieldAlgebra {
    /// out(x) = image(x + u(x)) on the field's grid; `image` lives on the same grid.
    static func warp(_ image: UnsafePointer<Float>, _ u: UnsafePointer<Float>, _ s: GridShape,
                     into out: UnsafeMutablePointer<Float>) {
        let n = s.count
        parallelFor(s.nz) { k in
            for j in 0..<s.ny {
                var q = s.index(0, j, k)
                for i in 0..<s.nx {
                    let st = TrilinearStencil(s, Float(i) + u[q], Float(j) + u[n + q], Float(k) + u[2 * n + q])
                    out[q] = st.sample(image)
                    q += 1
                }
            }
        }
    }

    /// The map x -> x + b(x) followed by y -> y + a(y), i.e. c(x) = b(x) + a(x + b(x)).
    ///
    /// With `b` a small update and `a` the current field this is the greedy / SyN composition that keeps
    /// the map diffeomorphic when each step is small and smooth.
    static func compose(first b: UnsafePointer<Float>, then a: UnsafePointer<Float>, _ s: GridShape,
                        into c: UnsafeMutablePointer<Float>) {
        let n = s.count
        parallelFor(s.nz) { k in
            for j in 0..<s.ny {
                var q = s.index(0, j, k)
                for i in 0..<s.nx {
                    let bx = b[q], by = b[n + q], bz = b[2 * n + q]
                    let st = TrilinearStencil(s, Float(i) + bx, Float(j) + by, Float(k) + bz)
                    c[q] = bx + st.sample(a)
                    c[n + q] = by + st.sample(a + n)
                    c[2 * n + q] = bz + st.sample(a + 2 * n)
                    q += 1
                }
            }
        }
    }

    static func compose(first b: DisplacementField, then a: DisplacementField) -> DisplacementField {
        precondition(a.geometry == b.geometry, "compose needs fields on one grid")
        var c = DisplacementField(geometry: a.geometry)
        b.data.withUnsafeBufferPointer { bb in
            a.data.withUnsafeBufferPointer { ab in
                c.data.withUnsafeMutableBufferPointer { cb in
                    compose(first: bb.baseAddress!, then: ab.baseAddress!, a.shape, into: cb.baseAddress!)
                }
            }
        }
        return c
    }

    /// Gaussian smoothing of each component, sigma in voxels. `scratch` holds one component.
    static func smooth(_ u: UnsafeMutablePointer<Float>, _ s: GridShape, sigma: Double,
                       scratch: UnsafeMutablePointer<Float>) {
        guard sigma > 0.05 else { return }
        for c in 0..<3 {
            BufferFilter.gaussian(u + c * s.count, s, sigma: SIMD3(repeating: sigma), scratch: scratch)
        }
    }
}

extension DisplacementField {
    /// Resamples a scalar image that lives on this field's grid through the field: out(x) = image(x + u(x)).
    public func warp(_ image: Volume<Float>) -> Volume<Float> {
        precondition(image.geometry.size == geometry.size && image.components == 1, "warp needs an image on the field's grid")
        var out = Volume<Float>(geometry: image.geometry)
        image.data.withUnsafeBufferPointer { ib in
            data.withUnsafeBufferPointer { ub in
                out.data.withUnsafeMutableBufferPointer { ob in
                    FieldAlgebra.warp(ib.baseAddress!, ub.baseAddress!, shape, into: ob.baseAddress!)
                }
            }
        }
        return out
    }

    /// The map "this field first, then `next`": x -> x + u(x) -> y + next(y). Both on one grid.
    public func followed(by next: DisplacementField) -> DisplacementField {
        FieldAlgebra.compose(first: self, then: next)
    }

    /// Gaussian smoothing of each component with `sigma` voxels (replicated border): the regulariser SyN
    /// applies to its update and total fields.
    public func smoothed(sigma: Double) -> DisplacementField {
        var out = self
        let s = shape
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: s.count)
        defer { scratch.deallocate() }
        out.data.withUnsafeMutableBufferPointer { FieldAlgebra.smooth($0.baseAddress!, s, sigma: sigma, scratch: scratch) }
        return out
    }
}
