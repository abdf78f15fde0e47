import Foundation
import ImageCore
import Morphology
import NIfTI

/// What the atlas is built from: the CT template folder (`fetch-template` layout, see
/// ../shared/data/ct_template/README.md), all on the template's 2 mm grid. The 0.5 mm structure and
/// tissue maps hold the same anatomy and are not needed at the atlas resolution.
public struct TemplateAnatomy: Sendable {
    public enum FileName {
        public static let template = "template_2mm.nii.gz"
        public static let templateWithSkull = "template_with_skull_2mm.nii.gz"
        public static let structures = "structures_2mm.nii.gz"
        public static let tissue = "seg_2mm.nii.gz"
        public static let lateralVentricles = "lateral_ventricles_2mm.nii.gz"
        public static let names = "structure_labels.csv"
    }

    public let directory: URL
    /// Skull-stripped CT template (0 outside the brain).
    public let template: Volume<Float>
    /// Anatomical labels (indices of `names`).
    public let structures: Volume<Int32>
    /// Tissue classes: 0 outside, 1 CSF, 2 grey matter, 3 white matter.
    public let tissue: Volume<UInt8>
    public let lateralVentricles: BinaryMask
    public let names: StructureTable

    public init(directory: URL) throws {
        self.directory = directory
        func url(_ name: String) throws -> URL {
            let u = directory.appendingPathComponent(name)
            guard FileManager.default.fileExists(atPath: u.path) else {
                throw AtlasError(.missingFile, file: u.path, problem: "the template folder must hold \(name) (run 'deepstroke fetch-template')")
            }
            return u
        }
        template = try NIfTIFile.readVolume(url(FileName.template), as: Float.self)
        let g = template.geometry
        func sameGrid<V>(_ v: Volume<V>, _ name: String) throws -> Volume<V> {
            guard v.components == 1, v.geometry.isClose(to: g, tolerance: 1e-3) else {
                throw AtlasError(.invalidContent, file: directory.appendingPathComponent(name).path,
                                                problem: "its grid differs from \(FileName.template)'s")
            }
            return v
        }
        structures = try sameGrid(NIfTIFile.readVolume(url(FileName.structures), as: Int32.self), FileName.structures)
        tissue = try sameGrid(NIfTIFile.readVolume(url(FileName.tissue), as: UInt8.self), FileName.tissue)
        lateralVentricles = try sameGrid(NIfTIFile.readVolume(url(FileName.lateralVentricles), as: Float.self), FileName.lateralVentricles)
            .map { $0 > 0 ? UInt8(1) : UInt8(0) }
        names = try StructureTable(contentsOf: url(FileName.names))
    }

    /// The template with skull, when the folder has it.
    public var templateWithSkullURL: URL? {
        let u = directory.appendingPathComponent(FileName.templateWithSkull)
        return FileManager.default.fileExists(atPath: u.path) ? u : nil
    }

    /// Files the atlas derives from, for provenance.
    public var inputFiles: [String] {
        [FileName.template, FileName.structures, FileName.tissue, FileName.lateralVentricles, FileName.names]
    }
}
