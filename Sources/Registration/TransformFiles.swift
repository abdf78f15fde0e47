import Foundation
import ImageCore
import NIfTI

/// The files a registration leaves behind and how transform chains are read back, in the conventions
/// antsApplyTransforms uses so either tool can apply the other's output:
///
/// - `PREFIX_affine.txt`: ITK `AffineTransform_double_3_3`, fixed point -> moving point (LPS).
/// - `PREFIX_warp.nii.gz`: displacement field on the fixed grid (5-D NIfTI, intent vector, LPS mm):
///   fixed point y -> y + w(y) in the affinely aligned moving space.
/// - `PREFIX_inverse_warp.nii.gz`: its inverse, also on the fixed grid.
/// - `PREFIX_warped.nii.gz`: the moving image resampled onto the fixed grid.
/// - `PREFIX_report.json`: `RegistrationReport`.
///
/// The forward chain is `[warp, affine]` (`-t PREFIX_warp.nii.gz -t PREFIX_affine.txt`), the inverse chain
/// `[affine^-1, inverse warp]` (`-t [PREFIX_affine.txt,1] -t PREFIX_inverse_warp.nii.gz`). ANTs' own output
/// names (`PREFIX0GenericAffine.mat`, `PREFIX1Warp.nii.gz`, `PREFIX1InverseWarp.nii.gz`) are accepted too.
public enum TransformFiles {
    public struct Paths: Sendable {
        public var warped: URL
        public var affine: URL
        public var warp: URL
        public var inverseWarp: URL
        public var report: URL
    }

    public static func paths(prefix: String) -> Paths {
        let u = { (suffix: String) in URL(fileURLWithPath: prefix + suffix) }
        return Paths(warped: u("_warped.nii.gz"), affine: u("_affine.txt"), warp: u("_warp.nii.gz"),
                     inverseWarp: u("_inverse_warp.nii.gz"), report: u("_report.json"))
    }

    /// Writes every output of `result`. All files are first written under temporary names in the target
    /// folder and only renamed into place once every one of them succeeded, so a failure leaves no partial
    /// set behind. Affine-only results write no warp files.
    public static func write(_ result: RegistrationResult, prefix: String) throws {
        let p = paths(prefix: prefix)
        var staged: [(tmp: URL, final: URL)] = []
        func stage(_ final: URL, _ produce: (URL) throws -> Void) throws {
            let tmp = final.deletingLastPathComponent()
                .appendingPathComponent(".stage-\(ProcessInfo.processInfo.processIdentifier)-\(final.lastPathComponent)")
            staged.append((tmp, final))
            try produce(tmp)
        }
        do {
            try FileManager.default.createDirectory(at: p.affine.deletingLastPathComponent(), withIntermediateDirectories: true)
            try stage(p.affine) { try ITKTransformFile.write(result.affine, to: $0) }
            if let w = result.forwardWarp { try stage(p.warp) { try NIfTIFile.write(w.worldVolume(), to: $0) } }
            if let w = result.inverseWarp { try stage(p.inverseWarp) { try NIfTIFile.write(w.worldVolume(), to: $0) } }
            try stage(p.warped) { try NIfTIFile.write(result.warped, to: $0) }
            try stage(p.report) { try AtomicFile.write(reportJSON(result.report), to: $0) }
            for s in staged {
                if rename(s.tmp.path, s.final.path) != 0 {
                    throw RegistrationError.transformFile(file: s.final.path, problem: "cannot be written (\(String(cString: strerror(errno))))")
                }
            }
        } catch {
            for s in staged { try? FileManager.default.removeItem(at: s.tmp) }
            throw error
        }
    }

    public static func reportJSON(_ r: RegistrationReport) throws -> Data {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys]
        e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try e.encode(r)
    }

    /// The chain stored under `prefix` (ours, or ANTs' names): forward pulls moving images onto the fixed
    /// grid, inverse pulls fixed-space images (atlas labels) onto the moving grid. Without warp files the
    /// chain is affine only.
    public static func chain(prefix: String, inverse: Bool) throws -> TransformChain {
        let fm = FileManager.default
        let ours = paths(prefix: prefix)
        let antsAffine = URL(fileURLWithPath: prefix + "0GenericAffine.mat")
        let affineURL = fm.fileExists(atPath: ours.affine.path) ? ours.affine
            : (fm.fileExists(atPath: antsAffine.path) ? antsAffine : nil)
        guard let affineURL else {
            throw RegistrationError.transformFile(file: ours.affine.path, problem: "does not exist (nor \(antsAffine.lastPathComponent)); is the prefix right?")
        }
        let affine = try ITKTransformFile.read(affineURL)
        let warpName = inverse ? [ours.inverseWarp.path, prefix + "1InverseWarp.nii.gz"] : [ours.warp.path, prefix + "1Warp.nii.gz"]
        let warp = try warpName.first(where: { fm.fileExists(atPath: $0) }).map { try readField(URL(fileURLWithPath: $0)) }
        if inverse {
            guard let inv = affine.inverse else {
                throw RegistrationError.transformFile(file: affineURL.path, problem: "holds a singular matrix that cannot be inverted")
            }
            return TransformChain([.affine(inv)] + (warp.map { [.field($0)] } ?? []))
        }
        return TransformChain((warp.map { [.field($0)] } ?? []) + [.affine(affine)])
    }

    /// A chain from antsApplyTransforms-style arguments, in their order: `file` or `[file,1]` (inverse of
    /// an affine file). Affines: .txt/.tfm/.mat; displacement fields: .nii/.nii.gz.
    public static func chain(specifications: [String]) throws -> TransformChain {
        var parts: [TransformComponent] = []
        for spec in specifications {
            var path = spec.trimmingCharacters(in: .whitespaces)
            var invert = false
            if path.hasPrefix("[") && path.hasSuffix("]") {
                let inner = path.dropFirst().dropLast().split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                guard inner.count == 2, inner[1] == "0" || inner[1] == "1" else {
                    throw RegistrationError.transformFile(file: spec, problem: "is not of the form [file,0] or [file,1]")
                }
                path = inner[0]
                invert = inner[1] == "1"
            }
            let url = URL(fileURLWithPath: path)
            let lower = path.lowercased()
            if lower.hasSuffix(".nii") || lower.hasSuffix(".nii.gz") {
                guard !invert else {
                    throw RegistrationError.transformFile(file: path, problem: "is a displacement field; it cannot be inverted on the fly, give its inverse warp instead")
                }
                parts.append(.field(try readField(url)))
            } else {
                let a = try ITKTransformFile.read(url)
                if invert {
                    guard let inv = a.inverse else {
                        throw RegistrationError.transformFile(file: path, problem: "holds a singular matrix that cannot be inverted")
                    }
                    parts.append(.affine(inv))
                } else {
                    parts.append(.affine(a))
                }
            }
        }
        return TransformChain(parts)
    }

    /// Reads a displacement field written by us or by ANTs/ITK (3 components, LPS millimetres).
    public static func readField(_ url: URL) throws -> DisplacementField {
        let v: Volume<Float>
        do { v = try NIfTIFile.readVolume(url, as: Float.self) } catch {
            throw RegistrationError.transformFile(file: url.path, problem: "cannot be read as a displacement field (\(error))")
        }
        do { return try DisplacementField(worldVolume: v) } catch let e as RegistrationError {
            throw RegistrationError.transformFile(file: url.path, problem: "\(e)")
        }
    }
}
