import DICOMNetwork
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One instance being written into the inbox under its hidden `.part` name: the SCP appends the data
/// set while it arrives (`DataSetStream`), then `Inbox.receive` checks the instance and renames the
/// file into place, or cancels it (file removed, reservation given back). Every byte is reserved
/// against the inbox limit before it is written, so instances being received count too. Used by one
/// association thread at a time.
final class PartFile: DataSetStream, @unchecked Sendable {
    enum Failure: Error, CustomStringConvertible {
        case inboxFull
        case io(String)

        var description: String {
            switch self {
            case .inboxFull: return "inbox full"
            case .io(let s): return s
            }
        }
    }

    let path: String
    private let inbox: Inbox
    private let fsync: Bool
    private var fd: Int32
    /// Bytes written so far (meta header included), all reserved against the inbox limit.
    private(set) var size: Int64 = 0
    /// The first thing that went wrong; nothing more is written after it.
    private(set) var failure: Failure?

    /// Creates the file and writes the Part 10 meta header.
    init(path: String, header: [UInt8], inbox: Inbox, fsync: Bool) {
        self.path = path
        self.inbox = inbox
        self.fsync = fsync
        fd = Glibc.open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        if fd < 0 {
            failure = .io("cannot create \(path): \(String(cString: strerror(errno)))")
        } else {
            header.withUnsafeBytes { append($0) }
        }
    }

    deinit { if fd >= 0 { Glibc.close(fd) } }

    func append(_ bytes: UnsafeRawBufferPointer) {
        guard failure == nil, bytes.count > 0 else { return }
        guard inbox.reserve(Int64(bytes.count)) else {
            failure = .inboxFull
            return
        }
        size += Int64(bytes.count)
        var done = 0
        while done < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress! + done, bytes.count - done)
            if n < 0 {
                if errno == EINTR { continue }
                failure = .io("cannot write \(path): \(String(cString: strerror(errno)))")
                return
            }
            done += n
        }
    }

    /// Closes the file once complete (flushed first with `--fsync`); throws what went wrong on the way.
    func close() throws {
        if let f = failure { throw f }
        let syncFailed = fsync && Glibc.fsync(fd) != 0
        let e = errno
        Glibc.close(fd)
        fd = -1
        if syncFailed { throw Failure.io("fsync of \(path) failed: \(String(cString: strerror(e)))") }
    }

    func cancel() {
        if fd >= 0 { Glibc.close(fd); fd = -1 }
        unlink(path)
        inbox.release(size)
        size = 0
    }
}
