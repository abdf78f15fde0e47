import Foundation
import ImageCore

/// Writes a whole synthetic CT study: the non-contrast head series plus the decoys a real archive
/// holds (scout, bone-kernel reconstruction, contrast angiography, coronal reformat), each in its own
/// folder, so series selection and later pipeline stages can be tested end to end with known truth.
public enum StudySynthesizer {
    public enum Decoy: String, CaseIterable, Sendable { case scout, boneKernel, contrast, reformat }

    public struct Series: Sendable {
        public var role: String
        public var folder: URL
        public var seriesNumber: Int
        public var description: String
        public var result: CTSeriesSynthesizer.Result
    }

    public struct Study: Sendable {
        public var studyInstanceUID: String
        public var series: [Series]
        /// The series a correct selector must pick.
        public var expected: Series { series[0] }
    }

    public static func write(_ hu: Volume<Float>, overlay: Volume<UInt8>? = nil, to dir: URL,
                             decoys: [Decoy] = Decoy.allCases, base: CTSeriesSynthesizer.Options = CTSeriesSynthesizer.Options()) throws -> Study {
        var out: [Series] = []
        let study = base.studyInstanceUID
        func add(_ role: String, _ vol: Volume<Float>, _ mask: Volume<UInt8>?, _ edit: (inout CTSeriesSynthesizer.Options) -> Void) throws {
            var o = base
            o.studyInstanceUID = study
            edit(&o)
            let folder = dir.appendingPathComponent(String(format: "S%03d", o.seriesNumber))
            let r = try CTSeriesSynthesizer.write(vol, overlay: mask, to: folder, options: o)
            out.append(Series(role: role, folder: folder, seriesNumber: o.seriesNumber, description: o.seriesDescription, result: r))
        }
        try add("head non-contrast", hu, overlay) { _ in }
        for d in decoys {
            switch d {
            case .scout:
                // One coronal projection-like image, as a topogram is stored.
                let g = hu.geometry
                let scoutGeom = Geometry(size: SIMD3(g.size.x, g.size.z, 1), spacing: SIMD3(g.spacing.x, g.spacing.z, 1),
                                         origin: g.origin, direction: [g.direction[0], g.direction[2], -g.direction[1]])
                var scout = Volume<Float>(geometry: scoutGeom, repeating: -1024)
                for k in 0..<g.size.z { for i in 0..<g.size.x {
                    var m: Float = -1024
                    for j in 0..<g.size.y { m = max(m, hu[i, j, k]) }
                    scout[i, k, 0] = m
                } }
                try add("scout", scout, nil) { o in
                    o.seriesNumber = 1; o.seriesDescription = "Topogram 0.6 T20s"; o.imageType = ["ORIGINAL", "PRIMARY", "LOCALIZER"]
                    o.sliceThickness = nil; o.tiltDegrees = 0
                }
            case .boneKernel:
                try add("bone kernel", hu, nil) { o in
                    o.seriesNumber = 3; o.seriesDescription = "HEAD BONE 1.0"; o.kernel = "H70h"
                    o.sliceThickness = hu.geometry.spacing.z
                }
            case .contrast:
                try add("contrast", hu, nil) { o in
                    o.seriesNumber = 4; o.seriesDescription = "CTA HEAD NECK"; o.contrastAgent = "OMNIPAQUE 350"
                    o.sliceThickness = hu.geometry.spacing.z
                }
            case .reformat:
                try add("coronal reformat", hu, nil) { o in
                    o.seriesNumber = 5; o.seriesDescription = "COR MPR 3MM"; o.imageType = ["DERIVED", "SECONDARY", "MPR"]
                }
            }
        }
        return Study(studyInstanceUID: study, series: out)
    }
}
