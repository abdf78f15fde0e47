import DICOM
import DICOMNetwork
import Foundation
import ImageCore
#if canImport(Glibc)
import Glibc
#endif

/// Where received instances land: `INBOX/<study hash>/<series hash>/<instance hash>.dcm`, each a
/// Part 10 file written under a hidden `.part` name and renamed into its series folder only when
/// complete; only then is the instance acknowledged to the sender. A crash at any point leaves either
/// no file (the sender got no success and sends again) or a whole one.
///
/// The job store indexes the files in groups (`flushIndex`, run by the node's indexer thread every
/// `indexInterval` or once `indexBatch` instances wait): one SQLite transaction for many instances
/// instead of one each. The files are the record: an instance whose file is in place but whose row
/// was not yet written when the process died is indexed by the start-up scan (`indexUnindexedFiles`).
public final class Inbox: @unchecked Sendable {
    public let root: URL
    /// `root.path`, for the paths built per instance.
    let rootPath: String
    let store: JobStore
    let maxBytes: Int64
    let fsync: Bool
    let log: NodeLog
    /// Pending rows wait at most this long (seconds) before the indexer writes them.
    public var indexInterval: Double = 0.1
    /// ... or until this many wait.
    public var indexBatch = 128
    private let lock = NSCondition()
    /// One flush at a time (the indexer thread and callers such as tests and shutdown): a batch is
    /// written, or put back, before the next one is taken.
    private let flushing = Locked(())
    private var bytes: Int64
    private var createdDirectories: Set<String> = []
    private var pending: [(instance: JobStore.Instance, at: Double)] = []

    public init(root: URL, store: JobStore, maxBytes: Int64, fsync: Bool, log: NodeLog) throws {
        self.root = root
        self.rootPath = root.path
        self.store = store
        self.maxBytes = maxBytes
        self.fsync = fsync
        self.log = log
        do {
            try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        } catch {
            throw NodeError.inbox(path: root.path, problem: "\(error)")
        }
        Inbox.removeLeftovers(in: root)
        bytes = try store.inboxBytes()
    }

    /// The folder the pipeline reads for a study.
    public func folder(study key: String) -> URL { root.appendingPathComponent(key) }

    /// Bytes counted against `maxBytes` now (stored, and reserved by instances being written).
    public var usedBytes: Int64 { lock.lock(); defer { lock.unlock() }; return bytes }

    /// The stream callback of the SCP: the part file a C-STORE data set is written to while it
    /// arrives (`r` as its command announced it).
    public func partFile(for r: ReceivedInstance) -> any DataSetStream {
        let sop = UIDHash.of(r.sopInstanceUID)
        let header = Part10.header(sopClassUID: r.sopClassUID, sopInstanceUID: r.sopInstanceUID,
                                   transferSyntaxUID: r.transferSyntaxUID, sourceAE: r.callingAE)
        // Hidden (the pipeline's folder scan skips hidden entries) and unique among resends in flight.
        let tmp = "\(rootPath)/.\(sop).\(UInt32.random(in: 0...UInt32.max))\(Inbox.partSuffix)"
        return PartFile(path: tmp, header: header, inbox: self, fsync: fsync)
    }

    /// The storage callback of the SCP: the returned status is what the modality sees. The data set
    /// is in its part file already when the SCP streamed it there (`r.stream`); otherwise (tests,
    /// other callers) it is written now.
    public func receive(_ r: ReceivedInstance) -> StoreOutcome {
        let file: PartFile
        if let streamed = r.stream as? PartFile {
            file = streamed
        } else {
            file = partFile(for: r) as! PartFile
            r.dataSet.withUnsafeBytes { file.append($0) }
        }
        let outcome = store(file, r)
        if !DIMSEStatus.isSuccess(outcome.status) { file.cancel() }
        return outcome
    }

    /// Reserves bytes against the inbox limit; false when they do not fit. Reserved as written, so
    /// concurrent associations cannot overshoot together.
    func reserve(_ size: Int64) -> Bool {
        lock.lock(); defer { lock.unlock() }
        guard bytes + size <= maxBytes else { return false }
        bytes += size
        return true
    }

    func release(_ size: Int64) {
        lock.lock(); bytes -= size; lock.unlock()
    }

    /// Study and Series Instance UIDs, read from the data set in memory (nothing is read back from disk).
    private func uids(_ r: ReceivedInstance) throws -> (study: String, series: String)? {
        try r.dataSet.withUnsafeBytes { raw in
            try DICOMFile.withDataSet(in: raw, transferSyntaxUID: r.transferSyntaxUID, name: "instance from \(r.callingAE)",
                                      stopAtPixelData: true) { file in
                guard let study = file.dataSet.string(DICOMTag(0x0020, 0x000D)), !study.isEmpty,
                      let series = file.dataSet.string(DICOMTag(0x0020, 0x000E)), !series.isEmpty else { return nil }
                return (study, series)
            }
        }
    }

    /// Checks a written instance and renames it into its series folder (a resend of a stored instance
    /// is written again, same bytes, same name; the index sees that it is one and counts it once).
    private func store(_ file: PartFile, _ r: ReceivedInstance) -> StoreOutcome {
        let sop = UIDHash.of(r.sopInstanceUID)
        if case .inboxFull? = file.failure {
            log("inbox", "instance \(sop) from \(r.callingAE) refused: inbox limit of \(maxBytes) bytes reached")
            return StoreOutcome(status: DIMSEStatus.refusedOutOfResources, comment: "inbox full")
        }
        let ids: (study: String, series: String)
        do {
            guard let found = try uids(r) else {
                log("inbox", "instance \(sop) from \(r.callingAE) refused: no Study or Series Instance UID")
                return StoreOutcome(status: DIMSEStatus.dataSetDoesNotMatchSOPClass, comment: "no Study or Series Instance UID")
            }
            ids = found
        } catch {
            log("inbox", "instance \(sop) from \(r.callingAE) refused: its data set does not parse (\(error))")
            return StoreOutcome(status: DIMSEStatus.cannotUnderstand, comment: "data set does not parse")
        }
        let study = UIDHash.of(ids.study), series = UIDHash.of(ids.series)
        let dir = "\(rootPath)/\(study)/\(series)"
        do {
            try file.close()
            try moveIntoPlace(file.path, "\(dir)/\(sop).dcm", dir)
        } catch {
            log("inbox", "instance \(sop) from \(r.callingAE) refused: \(error)")
            return StoreOutcome(status: DIMSEStatus.refusedOutOfResources, comment: "cannot store the instance")
        }
        if fsync { syncDirectory(dir) }
        let row = JobStore.Instance(sop: sop, study: study, series: series, sopClass: r.sopClassUID,
                                    path: "\(study)/\(series)/\(sop).dcm", bytes: Int(file.size))
        lock.lock()
        pending.append((row, Date().timeIntervalSince1970))
        if pending.count >= indexBatch { lock.signal() }
        lock.unlock()
        // With --fsync the acknowledgement also waits for the index row to be on disk.
        if fsync {
            do { try flushIndex() } catch {
                // The file is in place and its row waits for the indexer's next try; the sender sends again.
                log("inbox", "instance \(sop) from \(r.callingAE): index not written (\(error))")
                return StoreOutcome(status: DIMSEStatus.refusedOutOfResources, comment: "cannot store the instance")
            }
        }
        return .success
    }

    static let partSuffix = ".part"

    /// Renames into the series folder, creating it the first time. A folder removed meanwhile (its study
    /// pruned, or emptied by a resend that was not kept) is made again: a few tries, as pruning may be
    /// removing it at this very moment. Paths are strings: Foundation's `URL.appendingPathComponent`
    /// asks the file system whether each new path is a folder, which showed in receive profiles.
    private func moveIntoPlace(_ tmp: String, _ final: String, _ dir: String) throws {
        var tries = 0
        while true {
            lock.lock()
            let known = createdDirectories.contains(dir)
            lock.unlock()
            do {
                if !known || tries > 0 { try makeDirectory(dir) }
            } catch where tries < 3 {
                tries += 1
                continue
            }
            if rename(tmp, final) == 0 { return }
            let e = errno
            guard e == ENOENT, tries < 3 else {
                throw NodeError.inbox(path: final, problem: "cannot rename into place: \(String(cString: strerror(e)))")
            }
            tries += 1
        }
    }

    private func makeDirectory(_ dir: String) throws {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        lock.lock()
        createdDirectories.insert(dir)
        lock.unlock()
    }

    // MARK: index

    /// Writes the waiting index rows in one transaction; returns how many were new instances. A resend
    /// of an instance of a pruned study is not kept: its file is removed again.
    @discardableResult
    public func flushIndex() throws -> Int {
        try flushing.withLock { _ in try writePendingRows() }
    }

    private func writePendingRows() throws -> Int {
        lock.lock()
        let batch = pending
        pending.removeAll(keepingCapacity: true)
        lock.unlock()
        if batch.isEmpty { return 0 }
        let results: [JobStore.Indexed]
        do {
            results = try store.indexInstances(batch)
        } catch {
            lock.lock(); pending.insert(contentsOf: batch, at: 0); lock.unlock()
            throw error
        }
        var new = 0
        for (item, result) in zip(batch, results) {
            let i = item.instance
            switch result {
            case .new: new += 1
            case .duplicate:
                release(Int64(i.bytes))
                log("inbox", "instance \(i.sop) was already stored: acknowledged, indexed once")
            case .duplicateOfPruned:
                release(Int64(i.bytes))
                let url = root.appendingPathComponent(i.path)
                unlink(url.path)
                removeEmptyFolders([url.deletingLastPathComponent().path])
                log("inbox", "instance \(i.sop) belongs to a study already processed and pruned: acknowledged, not kept")
            }
        }
        return new
    }

    /// The indexer thread: writes pending rows every `indexInterval` (or sooner when `indexBatch`
    /// wait), and once more when the node stops.
    func indexLoop(isRunning: @Sendable () -> Bool) {
        while isRunning() {
            lock.lock()
            if pending.count < indexBatch { _ = lock.wait(until: Date(timeIntervalSinceNow: indexInterval)) }
            lock.unlock()
            do { try flushIndex() } catch {
                log("inbox", "job store: \(error); the rows are written at the next try")
                usleep(200_000)
            }
        }
        do { try flushIndex() } catch { log("inbox", "job store: \(error); the start-up scan will index the files") }
    }

    /// Indexes the files in the inbox that have no row (received, acknowledged, then the process died
    /// before the indexer wrote them) and removes files of pruned instances. Run at start, before the
    /// SCP listens. Returns the number of files indexed.
    @discardableResult
    public func indexUnindexedFiles() throws -> Int {
        let known = try store.indexedInstances()
        let fm = FileManager.default
        var found = 0
        for study in (try? fm.contentsOfDirectory(atPath: root.path)) ?? [] where !study.hasPrefix(".") {
            let studyDir = root.appendingPathComponent(study)
            for series in (try? fm.contentsOfDirectory(atPath: studyDir.path)) ?? [] where !series.hasPrefix(".") {
                let seriesDir = studyDir.appendingPathComponent(series)
                for name in (try? fm.contentsOfDirectory(atPath: seriesDir.path)) ?? [] where name.hasSuffix(".dcm") {
                    let sop = String(name.dropLast(4))
                    let url = seriesDir.appendingPathComponent(name)
                    if let pruned = known[sop] {
                        if pruned { unlink(url.path) }
                        continue
                    }
                    do {
                        let (sopClass, size) = try Self.sopClassAndSize(url)
                        lock.lock()
                        bytes += size
                        pending.append((JobStore.Instance(sop: sop, study: study, series: series, sopClass: sopClass,
                                                          path: "\(study)/\(series)/\(name)", bytes: Int(size)), Date().timeIntervalSince1970))
                        lock.unlock()
                        found += 1
                    } catch {
                        log("inbox", "start-up scan: \(study)/\(series)/\(name) skipped: \(error)")
                    }
                }
            }
        }
        try flushIndex()
        if found > 0 { log("inbox", "indexed \(found) instance(s) stored before the node stopped but not yet indexed") }
        return found
    }

    private static func sopClassAndSize(_ url: URL) throws -> (String, Int64) {
        let store = try ByteStore.map(url)
        let meta = try Part10.meta(of: store.bytes, name: url.lastPathComponent)
        return (meta.sopClassUID, Int64(store.count))
    }

    // MARK: pruning

    /// Removes the files of a processed study from the inbox (its rows stay, marked pruned, so a resend
    /// is still recognised), then its empty folders. Files first, rows second: a crash in between
    /// leaves rows whose files are gone, pruned again at the next pass. Returns the files removed.
    @discardableResult
    public func prune(study key: String) throws -> Int {
        let files = try store.unprunedInstances(study: key)
        var folders = Set<String>()
        for f in files {
            let url = root.appendingPathComponent(f.path)
            if unlink(url.path) != 0 && errno != ENOENT {
                throw NodeError.inbox(path: url.path, problem: "cannot remove: \(String(cString: strerror(errno)))")
            }
            folders.insert(url.deletingLastPathComponent().path)
        }
        try store.markPruned(files.map(\.sop))
        release(files.reduce(0) { $0 + $1.bytes })
        removeEmptyFolders(folders)
        return files.count
    }

    /// Removes series folders, then their study folders, that are empty (rmdir: an instance arriving
    /// right now keeps its folder, or makes it again).
    private func removeEmptyFolders<S: Sequence>(_ seriesFolders: S) where S.Element == String {
        var studies = Set<String>()
        for f in seriesFolders {
            lock.lock(); createdDirectories.remove(f); lock.unlock()
            rmdir(f)
            studies.insert(URL(fileURLWithPath: f).deletingLastPathComponent().path)
        }
        for s in studies { rmdir(s) }
    }

    // MARK: files

    /// Removes `.part` files a crash left behind (never acknowledged, so sent again by the modality).
    private static func removeLeftovers(in root: URL) {
        let fm = FileManager.default
        for name in (try? fm.contentsOfDirectory(atPath: root.path)) ?? [] where name.hasPrefix(".") && name.hasSuffix(partSuffix) {
            try? fm.removeItem(at: root.appendingPathComponent(name))
        }
    }

    private func syncDirectory(_ dir: String) {
        let fd = Glibc.open(dir, O_RDONLY | O_DIRECTORY)
        if fd >= 0 { _ = Glibc.fsync(fd); close(fd) }
    }
}
