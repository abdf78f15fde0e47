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

    /// The storage callback of the SCP: the returned status is what the modality sees.
    public func receive(_ r: ReceivedInstance) -> StoreOutcome {
        let sop = UIDHash.of(r.sopInstanceUID)
        // A resend of a stored instance is written again (same bytes, same name); the index sees that
        // it is one and counts it once.
        let header = Part10.header(sopClassUID: r.sopClassUID, sopInstanceUID: r.sopInstanceUID,
                                   transferSyntaxUID: r.transferSyntaxUID, sourceAE: r.callingAE)
        let size = Int64(header.count + r.dataSet.count)
        lock.lock()
        let full = bytes + size > maxBytes
        if !full { bytes += size }   // reserved now so concurrent associations cannot overshoot together
        lock.unlock()
        if full {
            log("inbox", "instance \(sop) from \(r.callingAE) refused: inbox limit of \(maxBytes) bytes reached")
            return StoreOutcome(status: DIMSEStatus.refusedOutOfResources, comment: "inbox full")
        }
        do {
            let outcome = try write(r, sop: sop, header: header, size: Int(size))
            if !DIMSEStatus.isSuccess(outcome.status) { release(size) }
            return outcome
        } catch {
            release(size)
            log("inbox", "instance \(sop) from \(r.callingAE) refused: \(error)")
            return StoreOutcome(status: DIMSEStatus.refusedOutOfResources, comment: "cannot store the instance")
        }
    }

    private func release(_ size: Int64) {
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

    private func write(_ r: ReceivedInstance, sop: String, header: [UInt8], size: Int) throws -> StoreOutcome {
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
        // Written whole under a hidden name first (the pipeline's folder scan skips hidden entries), then
        // renamed into its series folder: a reader or a crash never sees part of a file.
        let tmp = root.appendingPathComponent(".\(sop).\(UInt32.random(in: 0...UInt32.max))\(Inbox.partSuffix)")
        do { try writeFile(tmp, header, r.dataSet) } catch { unlink(tmp.path); throw error }
        let dir = root.appendingPathComponent(study).appendingPathComponent(series)
        let final = dir.appendingPathComponent("\(sop).dcm")
        do { try moveIntoPlace(tmp, final, dir) } catch { unlink(tmp.path); throw error }
        if fsync { syncDirectory(dir) }
        let row = JobStore.Instance(sop: sop, study: study, series: series, sopClass: r.sopClassUID,
                                    path: "\(study)/\(series)/\(sop).dcm", bytes: size)
        lock.lock()
        pending.append((row, Date().timeIntervalSince1970))
        if pending.count >= indexBatch { lock.signal() }
        lock.unlock()
        // With --fsync the acknowledgement also waits for the index row to be on disk.
        if fsync { try flushIndex() }
        return .success
    }

    static let partSuffix = ".part"

    /// Renames into the series folder, creating it the first time. A folder removed meanwhile (its study
    /// pruned, or emptied by a resend that was not kept) is made again: a few tries, as pruning may be
    /// removing it at this very moment.
    private func moveIntoPlace(_ tmp: URL, _ final: URL, _ dir: URL) throws {
        var tries = 0
        while true {
            lock.lock()
            let known = createdDirectories.contains(dir.path)
            lock.unlock()
            do {
                if !known || tries > 0 { try makeDirectory(dir) }
            } catch where tries < 3 {
                tries += 1
                continue
            }
            if rename(tmp.path, final.path) == 0 { return }
            let e = errno
            guard e == ENOENT, tries < 3 else {
                throw NodeError.inbox(path: final.path, problem: "cannot rename into place: \(String(cString: strerror(e)))")
            }
            tries += 1
        }
    }

    private func makeDirectory(_ dir: URL) throws {
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        lock.lock()
        createdDirectories.insert(dir.path)
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

    /// Creates the file and writes the meta header and the data set with one system call (writev).
    private func writeFile(_ url: URL, _ header: [UInt8], _ body: ArraySlice<UInt8>) throws {
        let fd = open(url.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw NodeError.inbox(path: url.path, problem: "cannot create: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        try header.withUnsafeBytes { h in
            try body.withUnsafeBytes { b in
                var parts = [(h.baseAddress, h.count), (b.baseAddress, b.count)]
                var total = h.count + b.count
                while total > 0 {
                    var iov = parts.filter { $0.1 > 0 }.map { iovec(iov_base: UnsafeMutableRawPointer(mutating: $0.0), iov_len: $0.1) }
                    let n = writev(fd, &iov, Int32(iov.count))
                    if n < 0 {
                        if errno == EINTR { continue }
                        throw NodeError.inbox(path: url.path, problem: "cannot write: \(String(cString: strerror(errno)))")
                    }
                    total -= n
                    // A short write: skip what went out and write the rest.
                    var done = n
                    for k in parts.indices {
                        let take = min(done, parts[k].1)
                        parts[k] = (parts[k].0.map { $0 + take }, parts[k].1 - take)
                        done -= take
                    }
                }
            }
        }
        if fsync && Glibc.fsync(fd) != 0 {
            throw NodeError.inbox(path: url.path, problem: "fsync failed: \(String(cString: strerror(errno)))")
        }
    }

    private func syncDirectory(_ dir: URL) {
        let fd = open(dir.path, O_RDONLY | O_DIRECTORY)
        if fd >= 0 { _ = Glibc.fsync(fd); close(fd) }
    }
}
