import ASPECTS
import Foundation
import ImageCore
import NIfTI

/// Writes a built atlas folder. A new folder is assembled under a hidden temporary name beside it and
/// renamed into place at the end, so an interrupted build leaves no half atlas that `Atlas` would open;
/// into an existing folder each file is replaced atomically.
public struct AtlasWriter {
    /// Licence and citation of the template the atlas derives from; the atlas inherits the licence.
    public static let licence = "CC BY-NC-SA 4.0 (Creative Commons Attribution-NonCommercial-ShareAlike 4.0); derived from the CT template, whose licence it inherits"
    public static let citation = "Muschelli J. A Publicly Available, High Resolution, Unbiased CT Brain Template. IPMU 2020, Springer, pp. 358-366. https://doi.org/10.1007/978-3-030-50153-2_27"

    /// Recorded in labels.json as the generating program.
    public var generator: String

    public init(generator: String) {
        self.generator = generator
    }

    public func write(_ result: AtlasBuilder.Result, anatomy: TemplateAnatomy, to directory: URL) throws {
        let fm = FileManager.default
        let exists = fm.fileExists(atPath: directory.path)
        let parent = directory.deletingLastPathComponent()
        let work = exists ? directory
            : parent.appendingPathComponent(".\(directory.lastPathComponent).tmp-\(ProcessInfo.processInfo.processIdentifier)")
        do {
            try fm.createDirectory(at: work, withIntermediateDirectories: true)
            try fill(work, result: result, anatomy: anatomy)
            if !exists {
                if rename(work.path, directory.path) != 0 {
                    throw AtlasError(.output, file: directory.path, problem: String(cString: strerror(errno)))
                }
            }
        } catch {
            if !exists { try? fm.removeItem(at: work) }
            throw error
        }
    }

    private func fill(_ dir: URL, result: AtlasBuilder.Result, anatomy: TemplateAnatomy) throws {
        try NIfTIFile.write(anatomy.template, to: dir.appendingPathComponent(Atlas.templateName))
        if let u = anatomy.templateWithSkullURL {
            try NIfTIFile.write(NIfTIFile.read(u), to: dir.appendingPathComponent(Atlas.templateWithSkullName))
        }
        let labelsURL = dir.appendingPathComponent(Atlas.labelsName)
        try NIfTIFile.write(result.labels, to: labelsURL)
        try LabelSidecar.write(for: labelsURL, extra: sidecarFields(result, anatomy: anatomy))
        try AtlasMontage.write(template: anatomy.template, labels: result.labels, to: dir)
    }

    func sidecarFields(_ result: AtlasBuilder.Result, anatomy: TemplateAnatomy) throws -> [String: Any] {
        let g = result.labels.geometry
        let voxelML = g.spacing.x * g.spacing.y * g.spacing.z / 1000
        let counts = ASPECTSLabelMap.counts(result.labels)
        var centroid = [[Double]](repeating: [0, 0, 0], count: 21)
        for k in 0..<g.size.z { for j in 0..<g.size.y { for i in 0..<g.size.x {
            let l = Int(result.labels[i, j, k])
            guard l > 0 else { continue }
            let p = g.worldLPS(SIMD3(Double(i), Double(j), Double(k)))
            for c in 0..<3 { centroid[l][c] += p[c] }
        } } }
        let regions: [[String: Any]] = ASPECTSRegion.all.map { r in
            let n = Double(max(counts[r.code], 1))
            return ["code": r.code, "voxels": counts[r.code], "volumeML": round3(Double(counts[r.code]) * voxelML),
                    "centroidLPS": centroid[r.code].map { round3($0 / n) }]
        }
        func level(_ side: Hemisphere) -> [String: Any] {
            let h = result.geometry(of: side)
            return ["ganglionicZ": [round3(h.ganglionicZ.lowerBound), round3(h.ganglionicZ.upperBound)],
                    "supraganglionicZ": [round3(h.ganglionicZ.upperBound), round3(h.supraganglionicTopZ)],
                    "insulaY": [round3(h.insulaY.lowerBound), round3(h.insulaY.upperBound)]]
        }
        let inputs: [[String: Any]] = try anatomy.inputFiles.map { name in
            ["file": name, "sha256": try SHA256.hex(ofFile: anatomy.directory.appendingPathComponent(name))]
        }
        let date = ISO8601DateFormatter().string(from: Date())
        return [
            "atlas": "DeepStroke volumetric ASPECTS atlas in CT template space",
            "space": ["file": Atlas.templateName, "size": [g.size.x, g.size.y, g.size.z],
                      "spacingMM": [g.spacing.x, g.spacing.y, g.spacing.z], "coordinates": "LPS millimetres"],
            "rules": TerritoryRules.text,
            "territories": ["mca": TerritoryRules.mca, "aca": TerritoryRules.aca, "pca": TerritoryRules.pca,
                            "deep": TerritoryRules.deep],
            "parameters": ["subjacentWhiteMatterDepthMM": result.parameters.subjacentWhiteMatterDepthMM],
            "midlineLPSx": round3(result.midlineX),
            "levels": ["right": level(.right), "left": level(.left)],
            "regions": regions,
            "provenance": ["generator": generator, "created": date, "templateFolder": anatomy.directory.path,
                           "inputs": inputs, "templateSource": "https://github.com/muschellij2/high_res_ct_template (commit \(CTTemplate.commit))"],
            "licence": Self.licence,
            "citation": Self.citation,
        ]
    }

    private func round3(_ x: Double) -> Double { (x * 1000).rounded() / 1000 }
}
