import Foundation
import ImageCore
import NIfTI
import Rendering

/// A complete ASPECTS report, rendered in memory first and then written as `aspects.json`,
/// `regions.csv`, `ganglionic.png`, `supraganglionic.png`, `report.html` and `hypodensity.nii.gz` (the
/// voxel-wise `HypodensityMap` on the CT grid, HU, for viewing over the CT). Everything is produced
/// before the first file is written and each file is written atomically, so a failure never leaves a
/// half-written report file behind.
public struct ASPECTSReport {
    public static let disclaimer = "Research software, not for clinical use: not a medical device; do not use for diagnosis or treatment decisions."

    public static func ruleDescription(_ rule: EarlyIschemicChangeRule) -> String {
        var text = String(format: "A region is called affected when its mean tissue density is at least %.2f HU below the same region in the other hemisphere and the difference is beyond noise (z <= -%.1f, with an effective sample size that accounts for spatially correlated noise).", rule.thresholdHU, rule.minimumZ)
        // Each further rule the scorer applies is said, so the report explains every call it can make.
        if let z = rule.coreMinimumZ {
            text += String(format: " It is also affected when its core (the tissue away from its border) is that much darker than the mirror's core with z <= -%.1f.", z)
        }
        if let f = rule.minimumHypodenseFraction {
            text += String(format: " It is also affected when at least %.0f %% of its tissue is hypodense on the voxel map, more than in its mirror, and its mean is at least %.1f HU darker.", f * 100, rule.fractionMeanFloorHU)
        }
        if let h = rule.halfThresholdHU {
            text += String(format: " It is also affected when its anterior or posterior half is at least %.2f HU darker than the same half of its mirror (z <= -%.1f) and the whole region is at least %.1f HU darker, so a lesion filling part of a region counts.", h, rule.halfMinimumZ, rule.halfMeanFloorHU)
        }
        text += String(format: " ASPECTS per hemisphere is 10 minus its affected regions. Confidence is the probability that the measured difference lies on the called side of the threshold, given the left-right spread of healthy brains (%.2f HU) and the measurement noise, times the segmentation probability when available (0.5, undecided, for a call made by a further rule alone). Symmetric (bilateral) change cannot be detected by a left-right comparison.", rule.nullSpreadHU)
        return text
    }

    public let result: ASPECTSResult
    public let images: [LevelImage]
    public let inputs: [String: String]
    public let software: String

    /// Renders the level pictures from `ct` and `labels` (the grids the result was scored on). A result
    /// scored without a hypodensity map gets one here (default options), with its regions' fractions;
    /// `hypodensity.nii.gz` is written only when there is a map.
    public init(result: ASPECTSResult, ct: Volume<Float>, labels: Volume<UInt8>, inputs: [String: String] = [:],
                software: String = "DeepStroke") throws {
        var result = result
        if result.hypodensity == nil {
            var options = HypodensityMap.Options.calibrated
            options.tissueRange = result.tissueRange
            // A label map with one hemisphere only has no midline: the report then goes without the map.
            let map: HypodensityMap?
            do { map = try HypodensityMap(ct: ct, labels: labels, options: options) } catch ASPECTSError.noRegions { map = nil }
            if let map {
                result.hypodensity = map
                for n in result.regions.indices { result.regions[n].hypodenseFraction = map.hypodenseFraction(of: result.regions[n].region.code) }
            }
        }
        let plane = AxialPlane(geometry: ct.geometry)
        let affected = Set(result.regions.filter(\.affected).map(\.region.code))
        var images: [LevelImage] = []
        for level in ReportLevel.allCases {
            guard let slice = level.slice(in: labels, plane: plane) else {
                throw ASPECTSError.noRegions("the label map has no ASPECTS label to choose the \(level.rawValue) slice from")
            }
            images.append(try LevelImage(level: level, slice: slice, ct: ct, labels: labels, affected: affected,
                                         hypodensity: result.hypodensity))
        }
        self.result = result
        self.images = images
        self.inputs = inputs
        self.software = software
    }

    public var document: ReportDocument {
        ReportDocument(result: result, inputs: inputs,
                       levels: Dictionary(uniqueKeysWithValues: images.map { ($0.level.rawValue + "_slice", $0.slice) }),
                       software: software)
    }

    /// Every file a report can hold (`hypodensity.nii.gz` only when the labels have both hemispheres).
    public static let fileNames = ["aspects.json", "regions.csv", "ganglionic.png", "supraganglionic.png", "report.html",
                                   "hypodensity.nii.gz"]

    /// The report's files by name, fully encoded.
    public func files() throws -> [(name: String, data: Data)] {
        let pngs = try images.map { ($0, try $0.image.pngData()) }
        let html = ReportHTML.render(result: result, images: pngs, inputs: inputs, software: software)
        var out: [(String, Data)] = [("aspects.json", try document.jsonData()), ("regions.csv", Data(RegionTable.csv(result).utf8))]
        out += pngs.map { ("\($0.0.level.rawValue).png", $0.1) }
        out.append(("report.html", Data(html.utf8)))
        if let map = result.hypodensity { out.append(("hypodensity.nii.gz", try Self.niftiData(map))) }
        return out
    }

    /// The map encoded as gzipped NIfTI (float32, the CT's geometry), through a private temporary file
    /// because the NIfTI writer writes to files; the report's own write stays atomic per file.
    static func niftiData(_ map: HypodensityMap) throws -> Data {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("deepstroke-hypodensity-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("hypodensity.nii.gz")
        var options = NIfTIWriteOptions(description: "DeepStroke hypodensity HU, sigma \(map.options.sigmaMM) mm")
        options.compressionLevel = 6
        try NIfTIFile.write(map.values, to: url, options: options)
        return try Data(contentsOf: url)
    }

    /// Writes every file into `directory` (created if needed); returns their URLs.
    @discardableResult
    public func write(to directory: URL) throws -> [URL] {
        let encoded = try files()
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw ASPECTSError.output("cannot create folder \(directory.path) (a file in the way, or no permission?)")
        }
        return try encoded.map { item in
            let url = directory.appendingPathComponent(item.name)
            do { try AtomicFile.write(item.data, to: url) } catch {
                throw ASPECTSError.output("\(url.path): \(error.localizedDescription)")
            }
            return url
        }
    }
}
