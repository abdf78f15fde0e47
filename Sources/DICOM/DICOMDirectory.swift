import Foundation

/// A DICOMDIR: the record tree (followed through its byte offsets, as the standard defines it) and
/// the files it references, resolved inside the DICOMDIR's folder.
///
/// Real archives have broken offsets, records out of order and odd record types; when the offsets
/// do not reach every record, the tree is rebuilt from the record order and the standard
/// PATIENT > STUDY > SERIES > IMAGE levels, and a warning says so.
public struct DICOMDirectory: Sendable {
    public let url: URL
    public let roots: [DirectoryRecord]
    public let warnings: [String]
    /// Set when the record offsets did not reach every record and the tree was rebuilt from record
    /// order (normal for some writers' nested directory files); the same line is in `warnings`.
    public let rebuildNote: String?

    public static let mediaStorageSOPClass = "1.2.840.10008.1.3.10"

    public static func read(_ url: URL) throws -> DICOMDirectory {
        let file = try DICOMFile.read(url)
        return try DICOMDirectory(file: file, url: url)
    }

    /// Interprets an already parsed file (`url` locates referenced files and names errors).
    public init(file: DICOMFile, url: URL) throws {
        self.url = url
        let name = url.path
        let ds = file.dataSet
        guard let seq = ds[Tag.directoryRecordSequence] else {
            throw DICOMError.directory(file: name, problem: "no Directory Record Sequence (0004,1220): not a DICOMDIR")
        }
        var warnings = file.warnings
        let items = seq.items
        var byOffset: [Int: Int] = [:]
        for (n, item) in items.enumerated() where item.itemOffset >= 0 { byOffset[item.itemOffset] = n }
        // Offsets count from the first byte of the file; a deflated DICOMDIR has no such mapping.
        let offsetsUsable = !file.transferSyntax.deflated

        var visited = Set<Int>()
        var brokenLink = false
        func chain(from offset: Int?, depth: Int) -> [DirectoryRecord] {
            var out: [DirectoryRecord] = []
            var next = offset
            while let off = next, off != 0 {
                guard let idx = byOffset[off] else { brokenLink = true; break }
                guard visited.insert(idx).inserted, depth < 16 else { brokenLink = true; break }
                let item = items[idx]
                var rec = DirectoryRecord(item)
                rec.children = chain(from: item.int(Tag.offsetOfLowerLevelEntity), depth: depth + 1)
                out.append(rec)
                next = item.int(Tag.offsetOfNextRecord)
            }
            return out
        }
        var roots: [DirectoryRecord] = []
        var rebuildNote: String?
        if offsetsUsable, let first = ds.int(Tag.offsetOfFirstRootRecord), first != 0 {
            roots = chain(from: first, depth: 0)
        }
        let reached = roots.reduce(0) { $0 + $1.count }
        if items.isEmpty {
            warnings.append("the DICOMDIR lists no records")
        } else if reached < items.count || brokenLink {
            rebuildNote = "directory record offsets reach \(reached) of \(items.count) records; rebuilt the tree from record order"
            warnings.append(rebuildNote!)
            roots = DICOMDirectory.treeFromOrder(items.map(DirectoryRecord.init))
        }
        self.rebuildNote = rebuildNote
        self.roots = roots
        self.warnings = warnings
    }

    /// Nests records by their level, each under the most recent record of a higher level.
    static func treeFromOrder(_ records: [DirectoryRecord]) -> [DirectoryRecord] {
        // Build with indices first, then materialise bottom-up.
        var parent = [Int?](repeating: nil, count: records.count)
        var stack: [Int] = []
        for (n, r) in records.enumerated() {
            while let top = stack.last, records[top].level >= r.level { stack.removeLast() }
            parent[n] = stack.last
            stack.append(n)
        }
        var kids = [[Int]](repeating: [], count: records.count)
        var top: [Int] = []
        for n in records.indices { if let p = parent[n] { kids[p].append(n) } else { top.append(n) } }
        func build(_ n: Int) -> DirectoryRecord {
            var r = records[n]
            r.children = kids[n].map(build)
            return r
        }
        return top.map(build)
    }

    /// Files referenced by in-use records, resolved inside the DICOMDIR's folder. A ReferencedFileID
    /// that is absolute or climbs out with ".." is an error: a DICOMDIR must never make us read
    /// files elsewhere on the machine. Missing files are reported in `missing`.
    ///
    /// Some scanners (Philips among them) write a multi-level file-set: the DICOMDIR's STUDY or SERIES
    /// records point at further directory files (`DIRFILE`) that list the images. Those are read in
    /// turn, to a bounded depth and each once; their IDs are relative to the file-set root as the
    /// standard says, or else to their own folder. Their warnings come back in `warnings`.
    public func referencedFiles() throws -> (files: [URL], missing: [String], warnings: [String]) {
        let root = url.deletingLastPathComponent().standardizedFileURL
        var files: [URL] = []
        var missing: [String] = []
        var warnings: [String] = []
        var seen = Set<String>()
        var opened: Set<String> = [url.standardizedFileURL.path]
        var rebuiltNested = 0
        func collect(_ dir: DICOMDirectory, depth: Int) throws {
            let ownFolder = dir.url.deletingLastPathComponent().standardizedFileURL
            func walk(_ r: DirectoryRecord) throws {
                if r.inUse, !r.fileID.isEmpty {
                    var u = try DICOMDirectory.resolve(r.fileID, in: root, directory: dir.url.path)
                    if u == nil, ownFolder != root { u = try DICOMDirectory.resolve(r.fileID, in: ownFolder, directory: dir.url.path) }
                    if let u {
                        // Only records above IMAGE level (or files named like one) are checked, so
                        // image files are not read twice.
                        let mayBeDirectory = r.level < 3 || u.lastPathComponent.uppercased() == "DIRFILE"
                        if mayBeDirectory && DICOMDirectory.isDirectoryFile(u) {
                            try open(u, depth: depth)
                        } else if seen.insert(u.path).inserted {
                            files.append(u)
                        }
                    } else {
                        missing.append(r.fileID.joined(separator: "/"))
                    }
                }
                for c in r.children { try walk(c) }
            }
            for r in dir.roots { try walk(r) }
        }
        func open(_ u: URL, depth: Int) throws {
            guard opened.insert(u.standardizedFileURL.path).inserted else { return }
            guard depth < 4 else {
                warnings.append("\(u.path): directory files nested deeper than 4 levels; not followed")
                return
            }
            let nested = try DICOMDirectory.read(u)
            // One line for all nested files without offsets rather than one per series.
            if nested.rebuildNote != nil { rebuiltNested += 1 }
            warnings += nested.warnings.filter { $0 != nested.rebuildNote }.map { "\(u.path): \($0)" }
            try collect(nested, depth: depth + 1)
        }
        try collect(self, depth: 0)
        if opened.count > 1 {
            warnings.append("multi-level file-set: \(opened.count - 1) nested directory file(s) followed"
                + (rebuiltNested > 0 ? " (\(rebuiltNested) without usable record offsets, rebuilt from record order)" : ""))
        }
        return (files, missing, warnings)
    }

    /// True when the file is named DICOMDIR… or its meta header names it a Media Storage Directory.
    static func isDirectoryFile(_ url: URL) -> Bool {
        if url.lastPathComponent.uppercased().hasPrefix("DICOMDIR") { return true }
        guard let f = try? DICOMFile.read(url, stopAtPixelData: true) else { return false }
        return f.meta?.string(Tag.mediaStorageSOPClassUID) == mediaStorageSOPClass
    }

    /// Validates and resolves one ReferencedFileID. Returns nil when the file does not exist.
    public static func resolve(_ components: [String], in root: URL, directory: String) throws -> URL? {
        let shown = components.joined(separator: "\\")
        for c in components {
            if c.isEmpty || c == "." || c == ".." || c.contains("/") || c.contains("\0") || c.hasPrefix("~") {
                throw DICOMError.directory(file: directory, problem: "ReferencedFileID \"\(shown)\" escapes the DICOMDIR folder or is not a plain relative path; refused")
            }
        }
        guard components.first.map({ !$0.hasPrefix("/") && !$0.contains(":") }) ?? false else {
            throw DICOMError.directory(file: directory, problem: "ReferencedFileID \"\(shown)\" is absolute; refused")
        }
        let fm = FileManager.default
        var u = root
        for c in components {
            let direct = u.appendingPathComponent(c)
            if fm.fileExists(atPath: direct.path) { u = direct; continue }
            // DICOMDIR IDs are upper case; media copied to Linux is often lower case.
            guard let entries = try? fm.contentsOfDirectory(atPath: u.path),
                  let match = entries.first(where: { $0.caseInsensitiveCompare(c) == .orderedSame }) else { return nil }
            u = u.appendingPathComponent(match)
        }
        // A symbolic link inside the folder must not lead out of it either.
        let real = u.resolvingSymlinksInPath().standardizedFileURL.path
        let realRoot = root.resolvingSymlinksInPath().standardizedFileURL.path
        guard real.hasPrefix(realRoot.hasSuffix("/") ? realRoot : realRoot + "/") else {
            throw DICOMError.directory(file: directory, problem: "ReferencedFileID \"\(shown)\" leads outside the DICOMDIR folder (through a symbolic link); refused")
        }
        return u
    }
}
