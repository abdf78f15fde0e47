import Foundation
import ImageCore

/// `dataset merge`: joins shard manifests (and, when shards wrote to different folders, their files)
/// into one dataset.
///
/// Inputs are manifest files or dataset folders (every `manifest*.sqlite` in them). When one key
/// appears more than once the most useful row wins: done, then failed, then pending/running, then
/// skipped; among equals the most recently updated. Files of done rows that live in another folder are
/// hard-linked (or copied) into the output, each atomically; the output manifest is written to a
/// temporary file and renamed, so a merge that stops half-way leaves the old manifest intact.
public enum DatasetMerger {
    public struct Summary: Sendable, Equatable {
        public var inputs: [String] = []
        public var rows = 0
        public var duplicates = 0
        public var filesLinked = 0
        public var counts: [String: Int] = [:]
    }

    public static func merge(_ inputs: [URL], into output: URL, log: (String) -> Void = { _ in }) throws -> Summary {
        let fm = FileManager.default
        let outManifest = output.appendingPathComponent(Manifest.fileName)
        var manifests: [URL] = []
        for u in inputs {
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: u.path, isDirectory: &isDir) else {
                throw PipelineError.input(path: u.path, problem: "no such manifest or dataset folder")
            }
            if isDir.boolValue {
                let names = ((try? fm.contentsOfDirectory(atPath: u.path)) ?? [])
                    .filter { $0.hasPrefix("manifest") && $0.hasSuffix(".sqlite") }.sorted()
                let found = names.map { u.appendingPathComponent($0) }
                    .filter { $0.standardizedFileURL.path != outManifest.standardizedFileURL.path || names.count == 1 }
                guard !found.isEmpty else { throw PipelineError.input(path: u.path, problem: "holds no manifest*.sqlite") }
                manifests += found
            } else {
                manifests.append(u)
            }
        }
        var summary = Summary()
        summary.inputs = manifests.map(\.path)
        var best: [String: (row: ManifestRow, root: URL)] = [:]
        for m in manifests {
            let rows = try Manifest(url: m).rows()
            for r in rows {
                if let old = best[r.key] {
                    summary.duplicates += 1
                    if rank(r) > rank(old.row) || (rank(r) == rank(old.row) && r.updatedAt > old.row.updatedAt) {
                        best[r.key] = (r, m.deletingLastPathComponent())
                    }
                } else {
                    best[r.key] = (r, m.deletingLastPathComponent())
                }
            }
        }
        try fm.createDirectory(at: output, withIntermediateDirectories: true)
        // Files first: the manifest must never list a done row whose files are not in place.
        for (_, entry) in best where entry.row.status == .done {
            let same = entry.root.standardizedFileURL.path == output.standardizedFileURL.path
            if same { continue }
            for rel in entry.row.outputPaths {
                let src = entry.root.appendingPathComponent(rel), dst = output.appendingPathComponent(rel)
                guard fm.fileExists(atPath: src.path) else {
                    throw PipelineError.input(path: src.path, problem: "listed for \(entry.row.key) in a manifest but missing")
                }
                try AtomicFile.write(to: dst) { tmp in
                    do { try fm.linkItem(at: src, to: tmp) } catch { try fm.copyItem(at: src, to: tmp) }
                }
                summary.filesLinked += 1
            }
        }
        let rows = best.values.map { $0.row }.sorted { $0.key < $1.key }
        let tmp = output.appendingPathComponent(".\(Manifest.fileName).tmp-\(ProcessInfo.processInfo.processIdentifier)")
        try? fm.removeItem(at: tmp)
        do {
            try Manifest(url: tmp).save(rows)
            if rename(tmp.path, outManifest.path) != 0 {
                throw PipelineError.output(path: outManifest.path, problem: String(cString: strerror(errno)))
            }
        } catch {
            try? fm.removeItem(at: tmp)
            throw error
        }
        summary.rows = rows.count
        for r in rows { summary.counts[r.status.rawValue, default: 0] += 1 }
        if summary.duplicates > 0 { log("\(summary.duplicates) key(s) appeared in more than one manifest; kept the most complete row") }
        return summary
    }

    static func rank(_ r: ManifestRow) -> Int {
        switch r.status {
        case .done: return 4
        case .failed: return 3
        case .pending, .running: return 2
        case .skipped: return 1
        }
    }
}
