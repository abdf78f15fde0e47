import DICOM
import DICOMNetwork
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Where received instances land: `INBOX/<study hash>/<series hash>/<instance hash>.dcm`, each a
/// Part 10 file written under a hidden `.part` name and renamed into its series folder only when
/// complete, then indexed in the job store, and only then acknowledged to the sender. A crash at any point leaves either no
/// file (the sender got no success and sends again) or a whole one.
public final class Inbox: @unchecked Sendable {
    public let root: URL
    let store: JobStore
    let maxBytes: Int64
    let fsync: Bool
    let log: NodeLog
    private let lock = NSLock()
    private var bytes: Int64
    private var createdDirectories: Set<String> = []

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

    /// The storage callback of the SCP: the returned status is what the modality sees.
    public func receive(_ r: ReceivedInstance) -> StoreOutcome {
        let sop = UIDHash.of(r.sopInstanceUID)
        do {
            // A resend of a stored instance is written again (same bytes, same name) but not indexed again
            // (`recordInstance`): one job-store round trip per instance instead of two.
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
                throw error
            }
        } catch {
            log("inbox", "instance \(sop) from \(r.callingAE) refused: \(error)")
            return StoreOutcome(status: DIMSEStatus.refusedOutOfResources, comment: "cannot store the instance")
        }
    }

    private func release(_ size: Int64) {
        lock.lock(); bytes -= size; lock.unlock()
    }

    private func write(_ r: ReceivedInstance, sop: String, header: [UInt8], size: Int) throws -> StoreOutcome {
        // Written whole under a hidden name first (the pipeline's folder scan skips hidden entries), read
        // back through a memory map for the study and series, then renamed into its series folder.
        let tmp = root.appendingPathComponent(".\(sop).\(UInt32.random(in: 0...UInt32.max))\(Inbox.partSuffix)")
        do { try writeFile(tmp, header, r.dataSet) } catch { unlink(tmp.path); throw error }
        var moved = false
        defer { if !moved { unlink(tmp.path) } }
        let file: DICOMFile
        do {
            file = try DICOMFile.read(tmp, stopAtPixelData: true)
        } catch {
            log("inbox", "instance \(sop) from \(r.callingAE) refused: its data set does not parse (\(error))")
            return StoreOutcome(status: DIMSEStatus.cannotUnderstand, comment: "data set does not parse")
        }
        guard let studyUID = file.dataSet.string(DICOMTag(0x0020, 0x000D)), !studyUID.isEmpty,
              let seriesUID = file.dataSet.string(DICOMTag(0x0020, 0x000E)), !seriesUID.isEmpty else {
            log("inbox", "instance \(sop) from \(r.callingAE) refused: no Study or Series Instance UID")
            return StoreOutcome(status: DIMSEStatus.dataSetDoesNotMatchSOPClass, comment: "no Study or Series Instance UID")
        }
        let study = UIDHash.of(studyUID), series = UIDHash.of(seriesUID)
        let dir = root.appendingPathComponent(study).appendingPathComponent(series)
        try makeDirectory(dir)
        let final = dir.appendingPathComponent("\(sop).dcm")
        guard rename(tmp.path, final.path) == 0 else {
            throw NodeError.inbox(path: final.path, problem: "cannot rename into place: \(String(cString: strerror(errno)))")
        }
        moved = true
        if fsync { syncDirectory(dir) }
        let fresh = try store.recordInstance(JobStore.Instance(sop: sop, study: study, series: series, sopClass: r.sopClassUID,
                                                               path: "\(study)/\(series)/\(sop).dcm", bytes: size),
                                             at: Date().timeIntervalSince1970)
        if !fresh {
            release(Int64(size))
            log("inbox", "instance \(sop) from \(r.callingAE) was already stored: acknowledged, indexed once")
        }
        return .success
    }

    static let partSuffix = ".part"

    /// Creates a series folder once; later instances of the series find it in the cache.
    private func makeDirectory(_ dir: URL) throws {
        lock.lock()
        let known = createdDirectories.contains(dir.path)
        lock.unlock()
        if known { return }
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        lock.lock()
        createdDirectories.insert(dir.path)
        lock.unlock()
    }

    /// Removes `.part` files a crash left behind (never acknowledged, so sent again by the modality).
    private static func removeLeftovers(in root: URL) {
        let fm = FileManager.default
        for name in (try? fm.contentsOfDirectory(atPath: root.path)) ?? [] where name.hasPrefix(".") && name.hasSuffix(partSuffix) {
            try? fm.removeItem(at: root.appendingPathComponent(name))
        }
    }

    private func writeFile(_ url: URL, _ header: [UInt8], _ body: ArraySlice<UInt8>) throws {
        let fd = open(url.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw NodeError.inbox(path: url.path, problem: "cannot create: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        for part in [header[...], body] {
            try part.withUnsafeBytes { b in
                var off = 0
                while off < b.count {
                    let n = Glibc.write(fd, b.baseAddress! + off, b.count - off)
                    if n < 0 {
                        if errno == EINTR { continue }
                        throw NodeError.inbox(path: url.path, problem: "cannot write: \(String(cString: strerror(errno)))")
                    }
                    off += n
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
