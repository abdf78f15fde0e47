import Atlas
import Foundation
import ImageCore

/// The atlas used when none is given: built once from the CT template (data folder, or fetched) with
/// the atlas builder's documented rules, and kept in the cache folder. A build in progress goes to a
/// temporary folder that is renamed into place, so two first runs at once cannot leave half an atlas.
public enum DefaultAtlas {
    /// Bump when the builder's rules change, so old cached atlases are not reused.
    public static let version = "v1"

    public static func directory(paths: DataPaths) -> URL {
        paths.cacheDirectory.appendingPathComponent("atlas-\(version)")
    }

    public static func load(paths: DataPaths, log: @escaping (String) -> Void) throws -> Atlas {
        let dir = directory(paths: paths)
        if FileManager.default.fileExists(atPath: dir.appendingPathComponent(Atlas.labelsName).path) {
            return try Atlas(directory: dir)
        }
        log("building the default ASPECTS atlas from the CT template into \(dir.path) (once)")
        let template = try ExampleData.templateDirectory(paths: paths, log: log)
        let anatomy = try TemplateAnatomy(directory: template)
        let result = try AtlasBuilder().build(anatomy)
        try FileManager.default.createDirectory(at: dir.deletingLastPathComponent(), withIntermediateDirectories: true)
        do {
            try AtlasWriter(generator: "DeepStroke default atlas \(version)").write(result, anatomy: anatomy, to: dir)
        } catch where FileManager.default.fileExists(atPath: dir.appendingPathComponent(Atlas.labelsName).path) {
            // Another process finished first; its atlas is as good.
        }
        return try Atlas(directory: dir)
    }
}
