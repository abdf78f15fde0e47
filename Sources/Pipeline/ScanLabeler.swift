import ASPECTS
import Atlas
import Foundation
import ImageCore
import Registration

/// Turns one native scan into ASPECTS labels in its own space (atlas label transfer).
///
/// The pipeline only needs this one call, so the curation and end-to-end code are written against
/// the protocol: `LabelTransferLabeler` puts the Atlas module's label transfer (skull strip, affine +
/// SyN to the atlas, optional overlay refinement, labels pulled back through the inverse transforms)
/// behind it, and tests can use a cheap one. Implementations must be safe to call from several threads
/// at once.
public protocol ScanLabeler: Sendable {
    /// Recorded in the manifest and reports (method and its main settings).
    var name: String { get }
    /// `scan` is in HU on its native grid; `overlay` (same grid) is the legacy ASPECTS outline when the
    /// archive has one. `name` only labels messages.
    func label(_ scan: Volume<Float>, overlay: Volume<UInt8>?, name: String) throws -> ScanLabels
}

/// What labelling one scan produces.
public struct ScanLabels: Sendable {
    /// 20-label ASPECTS map on the scan's native grid, restricted to the brain mask.
    public var labels: Volume<UInt8>
    /// 1 inside the brain, native grid.
    public var brainMask: Volume<UInt8>
    /// Skull-stripped scan (HU inside the brain, 0 outside), native grid.
    public var stripped: Volume<Float>
    /// The stripped scan resampled into atlas space (atlas grid).
    public var registeredScan: Volume<Float>
    /// The native labels resampled into atlas space (atlas grid): how well the round trip keeps them.
    public var registeredLabels: Volume<UInt8>
    public var qa: LabelingQA

    public init(labels: Volume<UInt8>, brainMask: Volume<UInt8>, stripped: Volume<Float>, registeredScan: Volume<Float>,
                registeredLabels: Volume<UInt8>, qa: LabelingQA) {
        self.labels = labels; self.brainMask = brainMask; self.stripped = stripped
        self.registeredScan = registeredScan; self.registeredLabels = registeredLabels; self.qa = qa
    }
}

/// Quality figures of one labelling, stored in the manifest (one column each for the headline numbers,
/// the whole struct as JSON) and in `qa/<key>.json`.
public struct LabelingQA: Codable, Sendable, Equatable {
    public var method: String
    public var brainVolumeML: Double
    /// Normalised cross-correlation between the atlas template and the registered scan inside the
    /// atlas brain, after the affine stage and at the end.
    public var nccAffine: Double?
    public var nccFinal: Double?
    /// Jacobian determinant range of the deformable warp and its share of folded (<= 0) voxels.
    public var jacobianMin: Double?
    public var jacobianMax: Double?
    public var foldedFraction: Double?
    /// Mean distance (mm) between a point and its image through forward then inverse warp.
    public var inverseConsistencyMM: Double?
    /// Region volumes on the native grid, millilitres, by code "1"..."20".
    public var regionVolumesML: [String: Double]
    /// Regions with no voxel after transfer (names like "right M5").
    public var missingRegions: [String]
    public var seconds: Double
    /// Each region's atlas volume scaled by brain volume (scan brain / atlas brain), mL by code.
    public var expectedRegionVolumesML: [String: Double]?
    public var atlasBrainVolumeML: Double?
    /// Share of each region's atlas voxels inside the scan's field of view, by code.
    public var fieldOfViewFractions: [String: Double]?
    /// Lengths of the atlas's LPS axes after the affine stage.
    public var affineScales: [Double]?
    /// "applied" or "rejected" when an overlay was given, with the guard's reason.
    public var overlayRefinement: String?
    public var overlayRefinementReason: String?

    public init(method: String, brainVolumeML: Double, nccAffine: Double? = nil, nccFinal: Double? = nil,
                jacobianMin: Double? = nil, jacobianMax: Double? = nil, foldedFraction: Double? = nil,
                inverseConsistencyMM: Double? = nil, regionVolumesML: [String: Double], missingRegions: [String], seconds: Double) {
        self.method = method; self.brainVolumeML = brainVolumeML; self.nccAffine = nccAffine; self.nccFinal = nccFinal
        self.jacobianMin = jacobianMin; self.jacobianMax = jacobianMax; self.foldedFraction = foldedFraction
        self.inverseConsistencyMM = inverseConsistencyMM; self.regionVolumesML = regionVolumesML
        self.missingRegions = missingRegions; self.seconds = seconds
    }
}

extension LabelingQA {
    static func round3(_ x: Double) -> Double { (x * 1000).rounded() / 1000 }
    /// Non-finite figures (a degenerate registration) are left out: JSON cannot carry them.
    static func finite(_ x: Double?) -> Double? { x.flatMap { $0.isFinite ? $0 : nil } }

    /// What the atlas leads one to expect of a scan registered to it by `affine`: each region's atlas
    /// volume scaled by brain size (scan brain / atlas brain) and the lengths of the atlas's LPS axes
    /// after the affine (how far the linear stage stretched it).
    mutating func setAtlasExpectations(atlas: Atlas, affine: AffineTransform3D) {
        let s = atlas.template.geometry.spacing
        let atlasBrainML = Double(atlas.template.data.reduce(0) { $0 + ($1 != 0 ? 1 : 0) }) * s.x * s.y * s.z / 1000
        let scale = atlasBrainML > 0 ? brainVolumeML / atlasBrainML : 1
        let atlasML = ASPECTSLabelMap.counts(atlas.labels).map { Double($0) * s.x * s.y * s.z / 1000 }
        var expected: [String: Double] = [:]
        for r in ASPECTSRegion.all { expected[String(r.code)] = Self.round3(atlasML[r.code] * scale) }
        expectedRegionVolumesML = expected
        atlasBrainVolumeML = Self.round3(atlasBrainML)
        affineScales = (0..<3).map { c in Self.round3((0..<3).map { affine.matrix[$0, c] * affine.matrix[$0, c] }.reduce(0, +).squareRoot()) }
    }
}
