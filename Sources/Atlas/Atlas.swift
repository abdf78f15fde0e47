import ASPECTS
import Foundation
import ImageCore
import NIfTI

/// An ASPECTS atlas folder, as `deepstroke atlas build` writes it or as anyone can make by hand
/// (for example an expert's annotation of the same template):
///
///     template.nii.gz               skull-stripped CT template (required)
///     labels.nii.gz                 20-label ASPECTS map on the template's grid (required)
///     template_with_skull.nii.gz    the template before skull stripping (optional)
///     labels.json                   label sidecar: convention, rules, provenance (optional; when
///                                   absent the fixed convention is assumed)
///
/// `.nii` works wherever `.nii.gz` is named. Opening checks what every user of the atlas relies on:
/// same grid, labels within 0...20, sidecar (if any) describing this convention.
public struct Atlas: Sendable {
    public static let templateName = "template.nii.gz"
    public static let templateWithSkullName = "template_with_skull.nii.gz"
    public static let labelsName = "labels.nii.gz"

    public let directory: URL
    public let template: Volume<Float>
    public let labels: Volume<UInt8>
    public let templateWithSkullURL: URL?
    /// labels.json as raw JSON, when present.
    public let sidecarData: Data?

    public init(directory: URL) throws {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDir), isDir.boolValue else {
            throw AtlasError(.missingFile, file: directory.path, problem: "not an atlas folder")
        }
        self.directory = directory
        let templateURL = try Self.find(Self.templateName, in: directory, required: true)!
        let labelsURL = try Self.find(Self.labelsName, in: directory, required: true)!
        templateWithSkullURL = try Self.find(Self.templateWithSkullName, in: directory, required: false)
        template = try NIfTIFile.readVolume(templateURL, as: Float.self)
        let raw = try NIfTIFile.readVolume(labelsURL, as: Double.self)
        guard raw.components == 1, raw.geometry.isClose(to: template.geometry, tolerance: 1e-3) else {
            throw AtlasError(.invalidContent, file: labelsURL.path, problem: "its grid differs from the template's \(template.size.x)x\(template.size.y)x\(template.size.z) grid")
        }
        if let bad = ASPECTSLabelMap.firstInvalidValue(raw) {
            throw AtlasError(.invalidContent, file: labelsURL.path, problem: "holds the value \(bad), outside the 20-label ASPECTS convention (integers 0-20)")
        }
        var l = raw.converted(to: UInt8.self)
        l.geometry = template.geometry
        labels = l
        if let t = templateWithSkullURL {
            let h = try NIfTIFile.readHeader(t)
            guard h.dim.count > 3, Array(h.dim[1...3]) == [template.size.x, template.size.y, template.size.z] else {
                throw AtlasError(.invalidContent, file: t.path, problem: "its grid differs from the template's")
            }
        }
        let sidecar = LabelSidecar.url(for: labelsURL)
        if FileManager.default.fileExists(atPath: sidecar.path) {
            _ = try LabelSidecar.read(sidecar)
            sidecarData = try Data(contentsOf: sidecar)
        } else {
            sidecarData = nil
        }
    }

    /// The template with skull, read on demand (it is only needed to register unstripped scans).
    public func templateWithSkull() throws -> Volume<Float>? {
        guard let u = templateWithSkullURL else { return nil }
        return try NIfTIFile.readVolume(u, as: Float.self)
    }

    /// Regions with no voxel (an atlas made elsewhere may leave some out).
    public var missingRegions: [ASPECTSRegion] {
        let c = ASPECTSLabelMap.counts(labels)
        return ASPECTSRegion.all.filter { c[$0.code] == 0 }
    }

    /// Volume of each region in millilitres, by code.
    public var regionVolumesML: [Int: Double] {
        let c = ASPECTSLabelMap.counts(labels)
        let s = labels.geometry.spacing
        return Dictionary(uniqueKeysWithValues: ASPECTSRegion.all.map { ($0.code, Double(c[$0.code]) * s.x * s.y * s.z / 1000) })
    }

    /// `name` or its `.nii` twin in `directory`.
    static func find(_ name: String, in directory: URL, required: Bool) throws -> URL? {
        for candidate in [name, String(name.dropLast(3))] {
            let u = directory.appendingPathComponent(candidate)
            if FileManager.default.fileExists(atPath: u.path) { return u }
        }
        if required { throw AtlasError(.missingFile, file: directory.appendingPathComponent(name).path, problem: "an atlas folder must hold \(name)") }
        return nil
    }
}
