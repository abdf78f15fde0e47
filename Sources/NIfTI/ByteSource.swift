import CZlib
import Foundation

/// Sequential access to a file's (decompressed) bytes, so the reader can pull the header, skip the
/// extensions and stream the voxels straight into their final buffer without caring about gzip.
protocol ByteSource: AnyObject {
    /// Size of the file on disk (compressed size for gzip).
    var fileSize: Int { get }
    var isCompressed: Bool { get }
    /// Copies up to `count` bytes to `dest`; returns fewer only when the data ends.
    func read(into dest: UnsafeMutableRawPointer, count: Int) throws -> Int
    /// After the voxel data: checks whatever integrity information follows (the gzip CRC).
    func finish() throws
}

extension ByteSource {
    func readBytes(_ count: Int) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        let n = try out.withUnsafeMutableBytes { try read(into: $0.baseAddress!, count: count) }
        out.removeLast(count - n)
        return out
    }

    /// Skips `count` bytes (NIfTI extensions); returns how many could be skipped.
    func skip(_ count: Int) throws -> Int {
        var left = count
        var scratch = [UInt8](repeating: 0, count: min(count, 1 << 16))
        while left > 0 {
            let want = min(left, scratch.count)
            let got = try scratch.withUnsafeMutableBytes { try read(into: $0.baseAddress!, count: want) }
            left -= got
            if got < want { break }
        }
        return count - left
    }
}

/// Opens a file and picks plain or gzip access from its first bytes (not its name: some tools write
/// uncompressed data under a .gz name and the other way round).
func openByteSource(_ url: URL) throws -> ByteSource {
    let file = FileDescriptor.Reader(url: url)
    try file.open()
    var magic = [UInt8](repeating: 0, count: 2)
    let n = try magic.withUnsafeMutableBytes { try file.pread(into: $0.baseAddress!, count: 2, offset: 0) }
    if n == 2 && magic == [0x1F, 0x8B] { return try GzipSource(file: file) }
    return PlainSource(file: file)
}

/// Thin wrappers over POSIX file descriptors: large reads and writes without Foundation's copies.
enum FileDescriptor {
    final class Reader {
        let url: URL
        private(set) var fd: Int32 = -1
        private(set) var size = 0

        init(url: URL) { self.url = url }

        func open() throws {
            fd = Foundation.open(url.path, O_RDONLY)
            guard fd >= 0 else { throw NIfTIError(.io, file: url.path, problem: "cannot open: \(String(cString: strerror(errno)))") }
            var st = stat()
            guard fstat(fd, &st) == 0 else { throw NIfTIError(.io, file: url.path, problem: "cannot stat: \(String(cString: strerror(errno)))") }
            guard (st.st_mode & S_IFMT) == S_IFREG else { throw NIfTIError(.io, file: url.path, problem: "not a regular file") }
            size = Int(st.st_size)
        }

        /// Reads until `count` bytes or end of file.
        func read(into dest: UnsafeMutableRawPointer, count: Int) throws -> Int {
            try fill(count) { done in Foundation.read(fd, dest + done, min(count - done, 1 << 30)) }
        }

        func pread(into dest: UnsafeMutableRawPointer, count: Int, offset: Int) throws -> Int {
            try fill(count) { done in Foundation.pread(fd, dest + done, count - done, off_t(offset + done)) }
        }

        /// Calls `call(done)` until `count` bytes are in or it reports end of file (0): a system read
        /// may return less than asked, or be interrupted (EINTR) and asked again.
        private func fill(_ count: Int, _ call: (Int) -> Int) throws -> Int {
            var done = 0
            while done < count {
                let r = call(done)
                if r < 0 {
                    if errno == EINTR { continue }
                    throw NIfTIError(.io, file: url.path, problem: "read failed: \(String(cString: strerror(errno)))")
                }
                if r == 0 { break }
                done += r
            }
            return done
        }

        deinit { if fd >= 0 { close(fd) } }
    }

    /// Writes everything or throws (handles short writes and EINTR).
    static func writeAll(_ fd: Int32, _ src: UnsafeRawPointer, _ count: Int, path: String) throws {
        var done = 0
        while done < count {
            let r = Foundation.write(fd, src + done, min(count - done, 1 << 30))
            if r < 0 {
                if errno == EINTR { continue }
                throw NIfTIError(.io, file: path, problem: "write failed: \(String(cString: strerror(errno)))")
            }
            done += r
        }
    }
}

/// An uncompressed .nii: reads go straight from the file into the caller's buffer.
final class PlainSource: ByteSource {
    private let file: FileDescriptor.Reader
    init(file: FileDescriptor.Reader) { self.file = file }
    var fileSize: Int { file.size }
    var isCompressed: Bool { false }
    func read(into dest: UnsafeMutableRawPointer, count: Int) throws -> Int { try file.read(into: dest, count: count) }
    func finish() throws {}
}

/// A gzip file inflated by zlib directly into the caller's buffer: the only copy of the voxel data is
/// the one zlib writes, and the compressed input passes through one fixed buffer.
final class GzipSource: ByteSource {
    let file: FileDescriptor.Reader
    private var stream = z_stream()
    private var input: UnsafeMutableRawBufferPointer
    private var inputAtEOF = false
    private var memberEnded = false
    private var allMembersEnded = false

    /// Large enough that the read() system calls cost nothing next to inflating.
    private static let inputBufferSize = 1 << 20

    var fileSize: Int { file.size }
    var isCompressed: Bool { true }
    private var path: String { file.url.path }

    init(file: FileDescriptor.Reader) throws {
        self.file = file
        input = UnsafeMutableRawBufferPointer.allocate(byteCount: GzipSource.inputBufferSize, alignment: 64)
        // 16 + 15: gzip wrapper, 32 KiB window.
        let rc = inflateInit2_(&stream, 16 + MAX_WBITS, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard rc == Z_OK else {
            input.deallocate()
            throw NIfTIError(.io, file: file.url.path, problem: "zlib could not start (code \(rc))")
        }
    }

    deinit {
        inflateEnd(&stream)
        input.deallocate()
    }

    private func refill() throws {
        guard !inputAtEOF else { return }
        let n = try file.read(into: input.baseAddress!, count: input.count)
        if n == 0 { inputAtEOF = true }
        stream.next_in = input.baseAddress!.assumingMemoryBound(to: Bytef.self)
        stream.avail_in = uInt(n)
    }

    /// After a member's end: starts the next member when another gzip header follows (multi-member
    /// files, as `cat a.gz b.gz` or some parallel compressors produce); anything else ends the data.
    private func startNextMember() throws -> Bool {
        if stream.avail_in == 0 { try refill() }
        guard stream.avail_in > 0, stream.next_in.pointee == 0x1F else { return false }
        inflateReset(&stream)
        memberEnded = false
        return true
    }

    private var zlibMessage: String {
        stream.msg.map { String(cString: $0) } ?? "unknown error"
    }

    func read(into dest: UnsafeMutableRawPointer, count: Int) throws -> Int {
        var produced = 0
        while produced < count && !allMembersEnded {
            if memberEnded {
                if try !startNextMember() { allMembersEnded = true; break }
            }
            if stream.avail_in == 0 {
                try refill()
                if stream.avail_in == 0 {
                    throw NIfTIError(.truncated, file: path, problem: "the gzip stream ends early, after \(stream.total_out) decompressed bytes (file cut short?)")
                }
            }
            let want = min(count - produced, 1 << 30)
            stream.next_out = (dest + produced).assumingMemoryBound(to: Bytef.self)
            stream.avail_out = uInt(want)
            let rc = inflate(&stream, Z_NO_FLUSH)
            produced += want - Int(stream.avail_out)
            switch rc {
            case Z_OK, Z_BUF_ERROR:
                continue
            case Z_STREAM_END:
                memberEnded = true
            case Z_DATA_ERROR, Z_NEED_DICT:
                throw NIfTIError(.corruptGzip, file: path, problem: "\(zlibMessage) after \(stream.total_out) decompressed bytes")
            case Z_MEM_ERROR:
                throw NIfTIError(.io, file: path, problem: "zlib ran out of memory")
            default:
                throw NIfTIError(.corruptGzip, file: path, problem: "zlib error \(rc): \(zlibMessage)")
            }
        }
        return produced
    }

    /// Inflates the rest of the current member so zlib checks its CRC-32 and length trailer: a flipped
    /// bit in the voxel data is reported instead of silently returned.
    func finish() throws {
        guard !memberEnded && !allMembersEnded else { return }
        var scratch = [UInt8](repeating: 0, count: 1 << 16)
        try scratch.withUnsafeMutableBytes { buf in
            while !memberEnded {
                if stream.avail_in == 0 {
                    try refill()
                    if stream.avail_in == 0 {
                        throw NIfTIError(.truncated, file: path, problem: "the gzip stream ends before its checksum trailer (file cut short?)")
                    }
                }
                stream.next_out = buf.baseAddress!.assumingMemoryBound(to: Bytef.self)
                stream.avail_out = uInt(buf.count)
                let rc = inflate(&stream, Z_NO_FLUSH)
                switch rc {
                case Z_OK, Z_BUF_ERROR: continue
                case Z_STREAM_END: memberEnded = true
                default:
                    throw NIfTIError(.corruptGzip, file: path, problem: "\(zlibMessage) after \(stream.total_out) decompressed bytes")
                }
            }
        }
    }
}
