import Atlas
import DICOM
import Foundation
import ImageCore
import NIfTI

/// `dataset build`: discovers the scans under a source folder, and for each scan of this shard that is
/// not yet done converts the chosen series, labels it and writes the dataset's files, recording every
/// step in the manifest.
///
/// Resumable by construction: a row becomes `done` only after all its files are renamed into place,
/// each file is written atomically, and a rerun redoes whatever is not `done` (`pending`, or `running`
/// left by a killed run; `failed` too with `retryFailed`). A `done` row whose files have gone missing is
/// redone. Scans run in parallel (`jobs`); the manifest serialises their row updates.
public final class DatasetBuilder: @unchecked Sendable {
    public struct Options: Sendable {
        public var jobs = 1
        public var shard: ShardSpec? = nil
        public var retryFailed = false
        /// Threads of one scan. Nil: with one job the caller's `Parallelism.current`; with several jobs
        /// one thread per scan, since scan-level parallelism already keeps the cores busy and nested
        /// thread pools would only compete for them.
        public var threadsPerScan: Parallelism? = nil
        /// Show the progress bar on stderr.
        public var showProgress = false
        /// Receives one line per notable event (warnings, failures).
        public var log: (@Sendable (String) -> Void)? = nil
        /// Test hook: called at each event; returning true stops the run on the spot, as a kill would
        /// (no row update, no cleanup), and `run` throws `PipelineError.interrupted`.
        public var interrupt: (@Sendable (Event) -> Bool)? = nil
        public init() {}
    }

    public enum Event: Sendable, Equatable {
        case scanStarted(String)
        case fileWritten(String, String)
        case scanFinished(String)
    }

    public struct Summary: Sendable, Equatable {
        public var studies = 0
        public var inShard = 0
        public var skipped = 0
        public var alreadyDone = 0
        public var processed = 0
        public var succeeded = 0
        public var failed = 0
        public var manifest: String = ""
    }

    public let source: URL
    public let layout: DatasetLayout
    public let labeler: ScanLabeler
    public let options: Options

    /// Set when the interrupt hook stops the run; every worker checks it between steps.
    private let stopped = Locked(false)

    public init(source: URL, output: URL, labeler: ScanLabeler, options: Options = Options()) {
        self.source = source
        self.layout = DatasetLayout(root: output)
        self.labeler = labeler
        self.options = options
    }

    public func run() throws -> Summary {
        let log = options.log ?? { _ in }
        try layout.createFolders()
        let manifest = try Manifest(url: layout.root.appendingPathComponent(Manifest.manifestName(shard: options.shard)))
        let shard = options.shard
        let owns: (String) -> Bool = { shard?.contains($0) ?? true }
        let removed = layout.removeStaleTemporaries(owns: owns)
        if removed > 0 { log("removed \(removed) temporary file(s) left by an interrupted run") }

        let found = try ScanDiscovery.discover(source)
        for w in found.warnings { log("warning: \(w)") }
        let mine = found.scans.filter { owns($0.key) }
        try manifest.insertNew(mine.map(ManifestRow.init(candidate:)))

        var summary = Summary()
        summary.studies = found.scans.count
        summary.inShard = mine.count
        summary.manifest = manifest.url.path
        var todo: [ScanCandidate] = []
        for c in mine {
            guard let row = try manifest.row(c.key) else { continue }
            switch row.status {
            case .skipped: summary.skipped += 1
            case .done:
                let missing = row.outputPaths.filter { !FileManager.default.fileExists(atPath: layout.root.appendingPathComponent($0).path) }
                if missing.isEmpty { summary.alreadyDone += 1 } else {
                    log("\(c.key): done but \(missing.count) file(s) missing (first: \(missing[0])); redoing it")
                    todo.append(c)
                }
            case .pending, .running: todo.append(c)
            case .failed: if options.retryFailed { todo.append(c) }
            }
        }
        let work = todo
        // Taken here, on the caller's thread: the workers below start without the caller's choice.
        let perScan = options.threadsPerScan ?? (options.jobs > 1 && work.count > 1 ? .serial : .current)
        let bar = options.showProgress ? ProgressBar(total: todo.count, label: "dataset\(shard.map { " shard \($0)" } ?? "")") : nil
        // Hands out the index of the next scan to the workers.
        let next = Locked(0)
        let take: @Sendable () -> Int? = {
            next.withLock { i in
                guard i < work.count else { return nil }
                defer { i += 1 }
                return i
            }
        }
        let results = Locked((ok: 0, failed: 0))
        let group = DispatchGroup()
        // Workers are dispatch work items, not Foundation threads: libdispatch keeps a per-thread cache of
        // the continuations `concurrentPerform` allocates, and a short-lived thread that ran a parallel loop
        // frees that cache on exit while a pool thread may still return a continuation to it (an
        // AddressSanitizer double free, `malloc_consolidate(): unaligned fastbin chunk` without it).
        // Pool threads live as long as the process.
        let workers = DispatchQueue.global(qos: .userInitiated)
        for _ in 0..<max(1, min(options.jobs, todo.count)) {
            workers.async(group: group) { [self] in
                while !self.isStopped, let n = take() {
                    let c = work[n]
                    do {
                        try perScan.run { try self.process(c, manifest: manifest) }
                        results.withLock { $0.ok += 1 }
                        bar?.advance(ok: true, note: c.key)
                    } catch PipelineError.interrupted {
                        self.stop()
                    } catch {
                        log("\(c.key): failed: \(error)")
                        self.discardOutputs(c.key)
                        try? manifest.update(c.key) { $0.status = .failed; $0.error = "\(error)" }
                        results.withLock { $0.failed += 1 }
                        bar?.advance(ok: false, note: c.key)
                    }
                }
            }
        }
        group.wait()
        bar?.finish()
        if isStopped { throw PipelineError.interrupted("dataset build stopped by its interrupt hook") }
        let counts = results.current
        summary.processed = counts.ok + counts.failed
        summary.succeeded = counts.ok
        summary.failed = counts.failed
        return summary
    }

    // MARK: one scan

    func process(_ c: ScanCandidate, manifest: Manifest) throws {
        guard let group = c.group else { return }
        let key = c.key
        try manifest.update(key) { $0.status = .running; $0.attempts += 1; $0.error = nil }
        try check(.scanStarted(key))
        let t0 = Date()
        let (part, _) = try LoadedScan.wholeVolume(group, path: c.source)
        let hu = part.data.asFloat
        let result = try labeler.label(hu, overlay: part.overlay, name: key)

        var outputs: [URL] = []
        func wrote(_ u: URL) throws {
            outputs.append(u)
            try check(.fileWritten(key, layout.relative(u)))
        }
        let raw = layout.rawVolume(key)
        switch part.data {
        case .int16(let v): try NIfTIFile.write(v, to: raw)
        case .float(let v): try NIfTIFile.write(v, to: raw)
        }
        try wrote(raw)
        let rawSeg = layout.rawSegmentation(key)
        try NIfTIFile.write(result.labels, to: rawSeg)
        try wrote(rawSeg)
        try wrote(try LabelSidecar.write(for: rawSeg, extra: ["scan": key, "space": "native", "labeler": labeler.name]))
        let stripped = layout.strippedVolume(key)
        try NIfTIFile.write(result.stripped, to: stripped)
        try wrote(stripped)
        let regVol = layout.registeredVolume(key)
        try NIfTIFile.write(result.registeredScan, to: regVol)
        try wrote(regVol)
        let regSeg = layout.registeredSegmentation(key)
        try NIfTIFile.write(result.registeredLabels, to: regSeg)
        try wrote(regSeg)
        try wrote(try LabelSidecar.write(for: regSeg, extra: ["scan": key, "space": "atlas", "labeler": labeler.name]))
        if let o = part.overlay {
            let u = layout.overlay(key)
            try NIfTIFile.write(o, to: u)
            try wrote(u)
        }
        let g = part.data.geometry
        let spacing = String(format: "%.3gx%.3gx%.3g", g.spacing.x, g.spacing.y, g.spacing.z)
        let qaURL = layout.qa(key)
        try AtomicFile.write(try qaJSON(c, part: part, labels: result), to: qaURL)
        try wrote(qaURL)

        let qa = result.qa
        let qaText = String(decoding: try Self.encoder.encode(qa), as: UTF8.self)
        let outputList = String(decoding: try Self.encoder.encode(outputs.map(layout.relative)), as: UTF8.self)
        let seconds = Date().timeIntervalSince(t0)
        try manifest.update(key) { r in
            r.status = .done
            r.error = nil
            r.slices = g.size.z
            r.spacing = spacing
            r.overlaySlices = part.overlaySlices
            r.labeler = labeler.name
            r.brainML = qa.brainVolumeML
            r.nccFinal = qa.nccFinal
            r.jacobianMin = qa.jacobianMin
            r.foldedFraction = qa.foldedFraction
            r.missingRegions = qa.missingRegions.count
            r.qa = qaText
            r.outputs = outputList
            r.seconds = seconds
        }
        try check(.scanFinished(key))
    }

    static var encoder: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return e
    }

    func qaJSON(_ c: ScanCandidate, part: AssembledVolume, labels: ScanLabels) throws -> Data {
        let g = part.data.geometry
        let labeling = try JSONSerialization.jsonObject(with: Self.encoder.encode(labels.qa))
        let verdicts = try JSONSerialization.jsonObject(with: Self.encoder.encode(c.verdicts))
        var conversion: [String: Any] = [
            "size": [g.size.x, g.size.y, g.size.z], "spacingMM": [g.spacing.x, g.spacing.y, g.spacing.z],
            "orientation": g.orientationCode, "type": part.data.typeName, "spacingHandling": part.spacingHandling,
            "overlaySlices": part.overlaySlices, "part": part.part, "parts": part.partCount, "warnings": part.warnings,
        ]
        if let t = part.tiltHandling { conversion["tiltHandling"] = t }
        let object: [String: Any] = ["key": c.key, "source": c.source, "study": c.studyDescription, "series": c.series ?? "",
                                     "selection": c.selection, "seriesVerdicts": verdicts, "conversion": conversion,
                                     "labeling": labeling]
        return try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
    }

    /// Removes a failed scan's files so the folders only ever hold complete scans.
    func discardOutputs(_ key: String) {
        let fm = FileManager.default
        for u in [layout.rawVolume(key), layout.rawSegmentation(key), LabelSidecar.url(for: layout.rawSegmentation(key)),
                  layout.strippedVolume(key), layout.registeredVolume(key), layout.registeredSegmentation(key),
                  LabelSidecar.url(for: layout.registeredSegmentation(key)), layout.overlay(key), layout.qa(key)] {
            try? fm.removeItem(at: u)
        }
    }

    // MARK: stopping

    var isStopped: Bool { stopped.current }
    func stop() { stopped.withLock { $0 = true } }

    func check(_ e: Event) throws {
        if isStopped { throw PipelineError.interrupted("stopped") }
        if let hook = options.interrupt, hook(e) { stop(); throw PipelineError.interrupted("\(e)") }
    }
}
