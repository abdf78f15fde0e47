import DICOM
import Foundation

/// Finds the scans under a source folder: every DICOMDIR archive in it, every folder of loose DICOM
/// files, grouped into studies and series, with one series chosen per study by `SeriesSelector`.
///
/// A folder holding a DICOMDIR is read through it (and only it); a folder with no DICOMDIR anywhere
/// below is scanned as a whole; a folder with archives somewhere below is descended into, its loose
/// files read one by one. So an archive's files are never indexed twice, and loose files beside
/// archives are not lost.
public enum ScanDiscovery {
    public struct Result: Sendable {
        public var scans: [ScanCandidate]
        public var warnings: [String]
        public var skippedFiles: Int
        public var indexedFiles: Int
    }

    public static func discover(_ source: URL, progress: (@Sendable (Int, Int) -> Void)? = nil) throws -> Result {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: source.path, isDirectory: &isDir) else {
            throw PipelineError.input(path: source.path, problem: "no such file or folder")
        }
        let root = source.standardizedFileURL
        let units = isDir.boolValue ? try indexUnits(root) : [root]
        var images: [ImageInfo] = []
        var unitOfImage: [String: String] = [:]
        var warnings: [String] = []
        var skipped = 0
        for u in units {
            let index: DICOMIndex
            do { index = try DICOMIndex.build(u, progress: progress) } catch {
                warnings.append("\(relative(u, to: root)): \(error)")
                continue
            }
            let name = relative(u, to: root)
            for w in index.warnings { warnings.append("\(name): \(w)") }
            skipped += index.skipped.count
            for img in index.images { unitOfImage[img.path] = name }
            images += index.images
        }
        var scans: [ScanCandidate] = []
        for choice in SeriesSelector.choose(SeriesGrouping.group(images)) {
            let study = choice.study
            let verdicts = zip(study.series, choice.verdicts).map { g, v in
                ScanCandidate.SeriesVerdict(series: g.label, description: g.description, slices: g.sliceCount,
                                            status: v.status.rawValue, reasons: v.reasons)
            }
            let chosen = choice.selected.map { study.series[$0] }
            let anyImage = chosen?.first ?? study.series.first?.first
            scans.append(ScanCandidate(key: ScanCandidate.key(studyInstanceUID: study.studyInstanceUID),
                                       source: anyImage.flatMap { unitOfImage[$0.path] } ?? ".",
                                       studyDescription: study.description,
                                       series: chosen.map { "\($0.label) \"\($0.description)\"" },
                                       selection: choice.summary, verdicts: verdicts, group: chosen))
        }
        // Two studies hashing to one key would overwrite each other's files: keep the first, say so.
        var seen = Set<String>()
        scans = scans.sorted { $0.key < $1.key }.filter { s in
            if seen.insert(s.key).inserted { return true }
            warnings.append("two studies share the key \(s.key); the second (in \(s.source)) is left out")
            return false
        }
        return Result(scans: scans, warnings: warnings, skippedFiles: skipped, indexedFiles: images.count)
    }

    /// Paths to hand to `DICOMIndex.build`: archive folders, whole folders without archives, loose files.
    static func indexUnits(_ root: URL) throws -> [URL] {
        let fm = FileManager.default
        guard let e = fm.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey], options: [.skipsHiddenFiles]) else {
            throw PipelineError.input(path: root.path, problem: "cannot list the folder")
        }
        var archiveRoots = Set<String>()
        for case let u as URL in e where u.lastPathComponent.uppercased() == "DICOMDIR" {
            archiveRoots.insert(u.deletingLastPathComponent().standardizedFileURL.path)
        }
        if archiveRoots.isEmpty { return [root] }
        var units: [URL] = []
        func visit(_ dir: URL) {
            let path = dir.standardizedFileURL.path
            if archiveRoots.contains(path) { units.append(dir); return }
            let prefix = path.hasSuffix("/") ? path : path + "/"
            if !archiveRoots.contains(where: { $0.hasPrefix(prefix) }) { units.append(dir); return }
            let entries = ((try? fm.contentsOfDirectory(at: dir, includingPropertiesForKeys: [.isDirectoryKey],
                                                        options: [.skipsHiddenFiles])) ?? [])
                .sorted { $0.path < $1.path }
            for c in entries {
                if (try? c.resourceValues(forKeys: [.isDirectoryKey]).isDirectory) == true { visit(c) } else { units.append(c) }
            }
        }
        visit(root)
        return units
    }

    static func relative(_ u: URL, to root: URL) -> String {
        let p = u.standardizedFileURL.path, r = root.path.hasSuffix("/") ? root.path : root.path + "/"
        if p == root.path { return "." }
        return p.hasPrefix(r) ? String(p.dropFirst(r.count)) : p
    }
}
