import ASPECTS
import Foundation
import ImageCore
import Registration

/// The QA report of one label transfer (`qa.json` in the work folder): enough to decide without
/// looking at images whether the labels can be trusted, and to find the outliers of a batch.
public struct LabelTransferReport: Codable, Sendable {
    public struct Grid: Codable, Sendable {
        public var size: [Int]
        public var spacingMM: [Double]

        init(_ g: Geometry) {
            size = [g.size.x, g.size.y, g.size.z]
            spacingMM = [g.spacing.x, g.spacing.y, g.spacing.z]
        }
    }

    /// Global NCC between the atlas template and the stripped scan resampled onto it, within the atlas
    /// brain: unregistered (identity), after the affine, after the image registration, and in the end
    /// (after the overlay refinement when it was applied).
    public struct Similarity: Codable, Sendable {
        public var identity: Double
        public var affine: Double
        public var imageRegistration: Double
        public var final: Double
    }

    public struct RegionVolume: Codable, Sendable {
        public var code: Int
        public var name: String
        public var side: String
        /// Volume in the scan (mL) and in the atlas (mL); their ratio flags a region that collapsed or
        /// swelled in the transfer.
        public var nativeML: Double
        public var atlasML: Double
        public var ratio: Double?
        /// Share of the region's atlas voxels that map inside the scan's field of view
        /// (`FieldOfViewCoverage`); below 1 the region is cut by the scan's first or last slice.
        public var fieldOfViewFraction: Double?
    }

    public struct HemisphereVolume: Codable, Sendable {
        public var side: String
        public var nativeML: Double
        public var atlasML: Double
    }

    public struct Timing: Codable, Sendable {
        public var stripSeconds: Double
        public var registrationSeconds: Double
        public var refinementSeconds: Double
        public var transferSeconds: Double
        public var totalSeconds: Double
    }

    public var scan: String
    public var scanGrid: Grid
    public var atlas: String
    public var atlasGrid: Grid
    public var preset: String?
    public var threads: Int
    public var brainVolumeML: Double
    public var similarity: Similarity
    /// Jacobian determinant of the final atlas-to-scan warp within the atlas brain.
    public var jacobian: JacobianStatistics?
    /// |y - inverse(forward(y))| of the final warps within the atlas brain.
    public var inverseConsistency: InverseConsistency?
    public var regions: [RegionVolume]
    public var hemispheres: [HemisphereVolume]
    /// Regions with no voxel in the scan (a transfer failure, or a region outside the field of view).
    public var missingRegions: [String]
    public var refinement: OverlayRefinement.Report?
    public var registration: RegistrationReport
    public var timing: Timing

    /// Region and hemisphere volumes of native labels against the atlas's.
    static func volumes(native: Volume<UInt8>, atlas: Volume<UInt8>, coverage: [Double]? = nil) -> ([RegionVolume], [HemisphereVolume]) {
        func ml(_ v: Volume<UInt8>) -> [Double] {
            let s = v.geometry.spacing
            return ASPECTSLabelMap.counts(v).map { Double($0) * s.x * s.y * s.z / 1000 }
        }
        let n = ml(native), a = ml(atlas)
        let regions = ASPECTSRegion.all.map { r in
            RegionVolume(code: r.code, name: r.name, side: r.hemisphere.rawValue, nativeML: round3(n[r.code]),
                         atlasML: round3(a[r.code]), ratio: a[r.code] > 0 ? round3(n[r.code] / a[r.code]) : nil,
                         fieldOfViewFraction: coverage.map { round3($0[r.code]) })
        }
        let sides = Hemisphere.allCases.map { h in
            let codes = ASPECTSRegion.regions(of: h).map(\.code)
            return HemisphereVolume(side: h.rawValue, nativeML: round3(codes.reduce(0) { $0 + n[$1] }),
                                    atlasML: round3(codes.reduce(0) { $0 + a[$1] }))
        }
        return (regions, sides)
    }

    static func round3(_ x: Double) -> Double { (x * 1000).rounded() / 1000 }

    /// Pretty-printed JSON with sorted keys.
    public func jsonData() throws -> Data {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys]
        e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try e.encode(self) + Data("\n".utf8)
    }
}
