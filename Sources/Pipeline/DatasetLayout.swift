import Foundation

/// Where a dataset keeps each scan's files: the reference's three forms, plus overlays and QA.
///
///     raw_volumes/<key>.nii.gz               the converted series, HU, native grid
///     raw_segmentation/<key>.nii.gz (+.json) 20-label ASPECTS map, native grid (label sidecar)
///     stripped_volumes/<key>.nii.gz          skull-stripped scan, native grid
///     registered_volumes/<key>.nii.gz        stripped scan in atlas space (atlas grid)
///     registered_segmentation/<key>.nii.gz   the native labels in atlas space (+.json)
///     overlays/<key>.nii.gz                  legacy ASPECTS outline from 60xx overlays, when present
///     qa/<key>.json                          selection, conversion and labelling QA
public struct DatasetLayout: Sendable {
    public let root: URL

    public static let folders = ["raw_volumes", "raw_segmentation", "stripped_volumes", "registered_volumes",
                                 "registered_segmentation", "overlays", "qa"]

    public init(root: URL) { self.root = root }

    public func rawVolume(_ key: String) -> URL { file("raw_volumes", key, ".nii.gz") }
    public func rawSegmentation(_ key: String) -> URL { file("raw_segmentation", key, ".nii.gz") }
    public func strippedVolume(_ key: String) -> URL { file("stripped_volumes", key, ".nii.gz") }
    public func registeredVolume(_ key: String) -> URL { file("registered_volumes", key, ".nii.gz") }
    public func registeredSegmentation(_ key: String) -> URL { file("registered_segmentation", key, ".nii.gz") }
    public func overlay(_ key: String) -> URL { file("overlays", key, ".nii.gz") }
    public func qa(_ key: String) -> URL { file("qa", key, ".json") }

    func file(_ folder: String, _ key: String, _ ext: String) -> URL {
        root.appendingPathComponent(folder).appendingPathComponent(key + ext)
    }

    public func relative(_ u: URL) -> String {
        let p = u.path, r = root.path.hasSuffix("/") ? root.path : root.path + "/"
        return p.hasPrefix(r) ? String(p.dropFirst(r.count)) : p
    }

    public func createFolders() throws {
        for f in Self.folders {
            try FileManager.default.createDirectory(at: root.appendingPathComponent(f), withIntermediateDirectories: true)
        }
    }

    /// Removes temporary files a killed run left behind (`.<key>....tmp-...`, the `AtomicFile` pattern),
    /// but only for keys `owns` accepts: shards writing into the same folder must not delete each
    /// other's files in flight. Returns how many were removed.
    @discardableResult
    public func removeStaleTemporaries(owns: (String) -> Bool) -> Int {
        let fm = FileManager.default
        var removed = 0
        for f in Self.folders {
            let dir = root.appendingPathComponent(f)
            for name in (try? fm.contentsOfDirectory(atPath: dir.path)) ?? [] where name.hasPrefix(".") && name.contains(".tmp-") {
                let key = String(name.dropFirst().prefix { $0 != "." })
                if owns(key), (try? fm.removeItem(at: dir.appendingPathComponent(name))) != nil { removed += 1 }
            }
        }
        return removed
    }
}
