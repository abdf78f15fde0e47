import ImageCore

/// Checks that make bad input fail early with a clear message instead of a hang or NaN output.
enum InputValidation {
    /// A registrable scalar image: non-empty, one component, finite, not constant. Returns its min and max.
    @discardableResult
    static func check(_ v: Volume<Float>, _ what: String) throws -> (Float, Float) {
        let s = v.size
        guard s.x > 0, s.y > 0, s.z > 0, !v.data.isEmpty else {
            throw RegistrationError.invalidImage(what: what, problem: "is empty (\(s.x)x\(s.y)x\(s.z) voxels)")
        }
        guard v.components == 1 else {
            throw RegistrationError.invalidImage(what: what, problem: "has \(v.components) components per voxel; registration needs a scalar image")
        }
        guard v.geometry.spacing.min() > 0, v.geometry.affineLPS.isFinite, v.geometry.affineLPS.inverse != nil else {
            throw RegistrationError.invalidImage(what: what, problem: "has an invalid voxel-to-world geometry")
        }
        var lo = Float.infinity, hi = -Float.infinity, bad = 0
        for x in v.data {
            if !x.isFinite { bad += 1; continue }
            lo = Swift.min(lo, x)
            hi = Swift.max(hi, x)
        }
        guard bad == 0 else {
            throw RegistrationError.invalidImage(what: what, problem: "contains \(bad) NaN or infinite voxel value(s); fix or mask them first")
        }
        guard hi > lo else {
            throw RegistrationError.invalidImage(what: what, problem: "is constant (every voxel is \(lo)); there is nothing to align")
        }
        guard s.x >= 4, s.y >= 4, s.z >= 4 else {
            throw RegistrationError.invalidImage(what: what, problem: "is too small (\(s.x)x\(s.y)x\(s.z)); at least 4 voxels along each axis are needed")
        }
        return (lo, hi)
    }

    /// A mask on `grid` with at least one voxel set; returns it as 0/1 floats.
    static func checkMask(_ m: Volume<Float>, on grid: Geometry, _ what: String) throws -> Volume<Float> {
        guard m.components == 1 else {
            throw RegistrationError.invalidMask(what: what, problem: "has \(m.components) components; a mask is a scalar image")
        }
        guard m.size == grid.size else {
            throw RegistrationError.mismatchedGrids(what: what, problem: "has dimensions \(m.size.x)x\(m.size.y)x\(m.size.z) but the fixed image has \(grid.size.x)x\(grid.size.y)x\(grid.size.z)")
        }
        guard m.geometry.isClose(to: grid, tolerance: 1e-3) else {
            throw RegistrationError.mismatchedGrids(what: what, problem: "is not on the fixed image's voxel grid (origin, spacing or direction differ)")
        }
        var out = m
        var count = 0
        for q in 0..<out.data.count {
            let on = out.data[q].isFinite && out.data[q] != 0
            out.data[q] = on ? 1 : 0
            if on { count += 1 }
        }
        guard count > 0 else { throw RegistrationError.invalidMask(what: what, problem: "has no voxels set; nothing to register") }
        out.geometry = grid
        return out
    }
}
