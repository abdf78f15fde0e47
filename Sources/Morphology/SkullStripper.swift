import ImageCore

/// Brain extraction for non-contrast head CT in Hounsfield units.
///
/// The skull is what separates brain from everything else of the same density (scalp, neck muscle,
/// eyes), so the method leans on it:
///  1. bone = HU >= `boneThreshold`; brain candidates = HU in `tissueWindow`, not bone,
///     and inside the convex hull of the bone. The hull keeps a craniectomy (missing bone flap) from
///     letting the brain run into the scalp over the defect: the cut follows the chord between the
///     bone edges. It also removes a scanner table that is not bone and the air/background around.
///  2. opening with a ball of `openingRadius` mm, keeping the largest 6-connected component, cuts the
///     thin bridges through the foramina (foramen magnum, optic canals, orbital fissures) and any
///     scalp or muscle strip left inside the hull; dilating the eroded core back only within the
///     candidates keeps the brain's own outline.
///  3. 3-D then per-slice hole filling (calcifications, excluded vessels), closing with
///     `closingRadius`, boundary smoothing with `smoothingRadius`.
///  4. partial-volume rim: the layer of voxels (within √2 voxel of the mask) at the inner table that is
///     less than half bone (HU below `partialVolumeMaxHU`, about half-way between brain and cortical
///     bone). Brain masks conventionally include it (the CT template's mask does); without it the
///     mask sits a voxel inside the inner table.
///
/// Nothing depends on orientation except the per-slice fill, which uses the voxel axis closest to
/// the patient's head-foot axis, so rotated heads and tilted gantries need no special handling; all
/// radii are in millimetres, so thick slices do not change the element's physical size.
public struct SkullStripper: Sendable {
    public struct Parameters: Sendable, Equatable {
        /// HU of brain tissue, CSF and fresh blood.
        public var tissueWindow: ClosedRange<Float> = -15...100
        /// HU from which a voxel counts as bone (also calcifications, which hole filling restores).
        public var boneThreshold: Float = 300
        /// Ball radius (mm) of the opening that separates the brain from extracranial tissue.
        public var openingRadius: Double = 6
        /// Ball radius (mm) of the closing that restores sulci and notches cut by the thresholds.
        public var closingRadius: Double = 3
        /// Ball radius (mm) of the boundary smoothing; 0 disables it.
        public var smoothingRadius: Double = 1.5
        /// Upper HU of a boundary voxel counted as brain in the partial-volume rim; nil disables the rim.
        public var partialVolumeMaxHU: Float? = 700
        /// Restrict the brain to the convex hull of the bone (the craniectomy safeguard).
        public var useBoneHull = true
        /// Support directions of the hull polytope.
        public var hullDirections = 256
        /// Less than this much bone (mL) means the input is not a head CT with its skull.
        public var minimumBoneML = 30.0
        /// Plausible range of the brain volume (mL); outside it the result is rejected, not returned.
        public var brainVolumeRangeML: ClosedRange<Double> = 100...3000
        /// Voxel axis of the per-slice hole filling; nil picks the axis closest to head-foot.
        public var sliceAxis: Int? = nil
        /// Clamp brain values to `tissueWindow` so the partial-volume rim does not carry bone HU into
        /// intensity-based registration.
        public var clampToTissueWindow = true

        public init() {}
    }

    public struct Result: Sendable {
        /// HU inside the brain (clamped to the tissue window by default), 0 outside.
        public var brain: Volume<Float>
        public var mask: BinaryMask
        public var brainVolumeML: Double
    }

    public var parameters: Parameters

    public init(parameters: Parameters = Parameters()) {
        self.parameters = parameters
    }

    /// The brain mask of `ct`. `name` (the input file) is only used in error messages.
    public func mask(of ct: Volume<Float>, name: String = "") throws -> BinaryMask {
        let p = parameters
        try validate(ct, name: name)
        let g = ct.geometry
        let voxelML = g.spacing.x * g.spacing.y * g.spacing.z / 1000

        let bone = ct.thresholded(lower: Double(p.boneThreshold))
        let boneML = Double(bone.nonzeroCount) * voxelML
        guard boneML >= p.minimumBoneML else {
            throw MorphologyError.unusableInput(file: name, problem: String(format: "no skull found (%.1f mL at or above %.0f HU); skull stripping needs a head CT in Hounsfield units that still has its bone", boneML, p.boneThreshold))
        }
        var candidates = ct.thresholded(lower: Double(p.tissueWindow.lowerBound), upper: Double(p.tissueWindow.upperBound))
        if p.useBoneHull {
            candidates = try candidates.intersection(ConvexHull.fill(bone, directions: p.hullDirections))
        }
        guard candidates.nonzeroCount > 0 else {
            throw MorphologyError.noBrainFound(file: name, problem: "no voxel inside the skull lies in the tissue window \(p.tissueWindow) HU")
        }
        // Work inside the candidates' box; the zero margin keeps erosion from seeing the crop edge.
        let rimRadius = 2.0.squareRoot() * g.spacing.min()
        let marginMM = rimRadius + 2 * g.spacing.max()
        let margin = Int((marginMM / g.spacing.min()).rounded(.up))
        let box = try candidates.boundingBox().padded(by: margin, within: g.size)
        let cand = try candidates.cropped(to: box)
        let ctBox = try ct.cropped(to: box)

        let core = ConnectedComponents.largest(try BinaryMorphology.erode(cand, radius: p.openingRadius), connectivity: .six)
        guard core.nonzeroCount > 0 else {
            throw MorphologyError.noBrainFound(file: name, problem: String(format: "no tissue region inside the skull is thicker than %.0f mm", 2 * p.openingRadius))
        }
        var m = try BinaryMorphology.dilate(core, radius: p.openingRadius).intersection(cand)
        m = ConnectedComponents.largest(m, connectivity: .six)
        m = HoleFilling.fill3D(m)
        m = try HoleFilling.fillSlices(m, axis: p.sliceAxis ?? Self.headFootAxis(g))
        if p.closingRadius > 0 { m = try BinaryMorphology.close(m, radius: p.closingRadius) }
        if p.smoothingRadius > 0 { m = try BinaryMorphology.smooth(m, radius: p.smoothingRadius) }
        if let cap = p.partialVolumeMaxHU {
            let rim = try BinaryMorphology.dilate(m, radius: rimRadius).intersection(ctBox.thresholded(lower: -.infinity, upper: Double(cap)))
            m = try m.union(rim)
        }
        m = HoleFilling.fill3D(ConnectedComponents.largest(m, connectivity: .six))

        let ml = Double(m.nonzeroCount) * voxelML
        guard p.brainVolumeRangeML.contains(ml) else {
            let why = ml < p.brainVolumeRangeML.lowerBound ? "is too small for a brain" : "is larger than any brain (the mask leaked outside the skull)"
            throw MorphologyError.noBrainFound(file: name, problem: String(format: "the extracted region of %.0f mL %@", ml, why))
        }
        return m.placed(in: g, at: box)
    }

    /// Brain image and mask of `ct`.
    public func strip(_ ct: Volume<Float>, name: String = "") throws -> Result {
        let m = try mask(of: ct, name: name)
        let lo = parameters.tissueWindow.lowerBound, hi = parameters.tissueWindow.upperBound
        let clamp = parameters.clampToTissueWindow
        var brain = Volume<Float>(geometry: ct.geometry)
        brain.data.withUnsafeMutableBufferPointer { b in
            let b = b
            ct.data.withUnsafeBufferPointer { c in
                m.data.withUnsafeBufferPointer { mk in
                    parallelChunks(c.count) { range in
                        for n in range where mk[n] != 0 { b[n] = clamp ? Swift.min(Swift.max(c[n], lo), hi) : c[n] }
                    }
                }
            }
        }
        return Result(brain: brain, mask: m, brainVolumeML: m.insideVolumeML)
    }

    /// The voxel axis most nearly parallel to the patient's head-foot (LPS z) axis.
    public static func headFootAxis(_ g: Geometry) -> Int {
        (0..<3).max { abs(g.direction[$0].z) < abs(g.direction[$1].z) }!
    }

    private func validate(_ ct: Volume<Float>, name: String) throws {
        let p = parameters
        guard ct.components == 1 else {
            throw MorphologyError.unusableInput(file: name, problem: "skull stripping needs a scalar CT volume, this one has \(ct.components) components")
        }
        guard ct.size.x >= 3, ct.size.y >= 3, ct.size.z >= 3 else {
            throw MorphologyError.unusableInput(file: name, problem: "a \(ct.size.x)x\(ct.size.y)x\(ct.size.z) volume is too small to hold a head")
        }
        guard !ct.hasNonFinite else {
            throw MorphologyError.unusableInput(file: name, problem: "the CT contains NaN or infinite values")
        }
        guard p.tissueWindow.upperBound < p.boneThreshold else {
            throw MorphologyError.invalidArgument("the tissue window \(p.tissueWindow) must end below the bone threshold \(p.boneThreshold) HU")
        }
        for (label, r) in [("opening", p.openingRadius), ("closing", p.closingRadius), ("smoothing", p.smoothingRadius)] {
            guard r.isFinite, r >= 0 else { throw MorphologyError.invalidArgument("the \(label) radius must be >= 0 mm, got \(r)") }
        }
        guard p.openingRadius > 0 else { throw MorphologyError.invalidArgument("the opening radius must be > 0 mm") }
    }
}
