import Foundation
import ImageCore
import NIfTI
import Registration

/// The transforms between a scan and the atlas, in ANTs' convention and file layout, so the work folder
/// can be replayed with antsApplyTransforms and read back by `atlas aggregate`:
///
///     PREFIX0GenericAffine.txt   ITK affine text, atlas point -> (warped) scan point
///     PREFIX1Warp.nii.gz         displacement (LPS mm) on the atlas grid, applied before the affine
///     PREFIX1InverseWarp.nii.gz  its inverse, applied after the inverse affine
///
/// Atlas-grid images are pulled from the scan with `-t 1Warp -t 0GenericAffine` (`ontoAtlas`), scan-grid
/// images from the atlas with `-t [0GenericAffine,1] -t 1InverseWarp` (`ontoNative`).
public struct LabelTransferTransforms: Sendable {
    public static let defaultPrefix = "transform_"

    public var affine: AffineTransform3D
    public var warp: DisplacementField?
    public var inverseWarp: DisplacementField?

    public init(affine: AffineTransform3D, warp: DisplacementField?, inverseWarp: DisplacementField?) {
        self.affine = affine
        self.warp = warp
        self.inverseWarp = inverseWarp
    }

    public init(_ r: RegistrationResult) {
        self.init(affine: r.affine, warp: r.forwardWarp, inverseWarp: r.inverseWarp)
    }

    /// Resamples scan-space images onto an atlas-space grid; `map` takes an atlas point to the scan.
    public var ontoAtlas: TransformChain {
        TransformChain((warp.map { [.field($0)] } ?? []) + [.affine(affine)])
    }

    /// Resamples atlas-space images onto a scan-space grid; `map` takes a scan point to the atlas.
    public var ontoNative: TransformChain {
        TransformChain([.affine(affine.inverse ?? .identity)] + (inverseWarp.map { [.field($0)] } ?? []))
    }

    /// These transforms preceded, in atlas space, by a correction found there: atlas point y goes to
    /// y + correction(y) first, then through these. The correction's fields must live on the warp's grid.
    public func refined(by correction: LabelTransferTransforms) -> LabelTransferTransforms {
        precondition(correction.affine.matrix.maxAbsDifference(.identity) < 1e-9, "a correction must be deformable only")
        func chain(_ first: DisplacementField?, _ second: DisplacementField?) -> DisplacementField? {
            guard let a = first else { return second }
            guard let b = second else { return a }
            return a.followed(by: b.resampled(to: a.geometry))
        }
        return LabelTransferTransforms(affine: affine, warp: chain(correction.warp, warp),
                                       inverseWarp: chain(inverseWarp, correction.inverseWarp))
    }

    public static func affineURL(in dir: URL, prefix: String = defaultPrefix) -> URL {
        dir.appendingPathComponent(prefix + "0GenericAffine.txt")
    }
    public static func warpURL(in dir: URL, prefix: String = defaultPrefix) -> URL {
        dir.appendingPathComponent(prefix + "1Warp.nii.gz")
    }
    public static func inverseWarpURL(in dir: URL, prefix: String = defaultPrefix) -> URL {
        dir.appendingPathComponent(prefix + "1InverseWarp.nii.gz")
    }

    /// Writes the files (each atomically); returns their URLs.
    @discardableResult
    public func write(to dir: URL, prefix: String = defaultPrefix) throws -> [URL] {
        var urls = [Self.affineURL(in: dir, prefix: prefix)]
        try ITKTransformFile.write(affine, to: urls[0])
        if let w = warp {
            urls.append(Self.warpURL(in: dir, prefix: prefix))
            try NIfTIFile.write(w.worldVolume(), to: urls.last!)
        }
        if let w = inverseWarp {
            urls.append(Self.inverseWarpURL(in: dir, prefix: prefix))
            try NIfTIFile.write(w.worldVolume(), to: urls.last!)
        }
        return urls
    }

    /// Reads what `write` wrote. The affine is required; the warps are optional but come in pairs.
    public static func read(from dir: URL, prefix: String = defaultPrefix) throws -> LabelTransferTransforms {
        let a = affineURL(in: dir, prefix: prefix)
        guard FileManager.default.fileExists(atPath: a.path) else {
            throw AtlasError(.missingFile, file: a.path, problem: "a transform folder written by 'deepstroke label --work' holds this affine")
        }
        let affine = try ITKTransformFile.read(a)
        func field(_ u: URL) throws -> DisplacementField? {
            guard FileManager.default.fileExists(atPath: u.path) else { return nil }
            return try DisplacementField(worldVolume: NIfTIFile.readVolume(u, as: Float.self))
        }
        let w = try field(warpURL(in: dir, prefix: prefix))
        let iw = try field(inverseWarpURL(in: dir, prefix: prefix))
        guard (w == nil) == (iw == nil) else {
            throw AtlasError(.missingFile, file: (w == nil ? warpURL(in: dir, prefix: prefix) : inverseWarpURL(in: dir, prefix: prefix)).path,
                                         problem: "a warp and its inverse must both be present")
        }
        if let w, let iw, !w.geometry.isClose(to: iw.geometry, tolerance: 1e-3) {
            throw AtlasError(.invalidContent, file: inverseWarpURL(in: dir, prefix: prefix).path, problem: "the inverse warp is not on the warp's grid")
        }
        return LabelTransferTransforms(affine: affine, warp: w, inverseWarp: iw)
    }
}
