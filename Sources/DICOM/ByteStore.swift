import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Read-only bytes of one DICOM stream: a memory-mapped file (so a header scan touches only the pages
/// it reads, and a 10,000-file archive is never loaded into memory) or an owned buffer (inflated
/// deflate streams, data built in memory). Elements keep offsets into it instead of copies.
public final class ByteStore: @unchecked Sendable {
    public let bytes: UnsafeRawBufferPointer
    private let release: () -> Void

    public var count: Int { bytes.count }

    private init(bytes: UnsafeRawBufferPointer, release: @escaping () -> Void) {
        self.bytes = bytes
        self.release = release
    }

    deinit { release() }

    /// Copies `data` into a buffer owned by the store.
    public convenience init<C: Collection>(copying data: C) where C.Element == UInt8 {
        let n = data.count
        let p = UnsafeMutableRawBufferPointer.allocate(byteCount: Swift.max(n, 1), alignment: 16)
        _ = p.initializeMemory(as: UInt8.self, from: data)
        self.init(bytes: UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(p)[0..<n]), release: { p.deallocate() })
    }

    /// Borrows memory the caller keeps alive for as long as the store is used (nothing is released).
    convenience init(borrowing bytes: UnsafeRawBufferPointer) {
        self.init(bytes: bytes, release: {})
    }

    /// Takes ownership of an allocated buffer of `count` bytes.
    init(owning p: UnsafeMutableRawBufferPointer, count: Int) {
        self.bytes = UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(p)[0..<count])
        self.release = { p.deallocate() }
    }

    /// Maps a file read-only. Empty files give an empty store.
    public static func map(_ url: URL) throws -> ByteStore {
        let path = url.path
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw DICOMError.io(file: path, problem: "cannot open: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw DICOMError.io(file: path, problem: "cannot stat: \(String(cString: strerror(errno)))") }
        guard (st.st_mode & S_IFMT) == S_IFREG else { throw DICOMError.io(file: path, problem: "not a regular file") }
        let size = Int(st.st_size)
        if size == 0 { return ByteStore(copying: [UInt8]()) }
        guard let m = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), m != MAP_FAILED else {
            throw DICOMError.io(file: path, problem: "cannot map file: \(String(cString: strerror(errno)))")
        }
        return ByteStore(bytes: UnsafeRawBufferPointer(start: UnsafeRawPointer(m), count: size),
                         release: { munmap(m, size) })
    }

    @inline(__always) public func u8(_ at: Int) -> UInt8 { bytes[at] }

    @inline(__always) public func u16(_ at: Int, bigEndian: Bool) -> UInt16 {
        let v = bytes.loadUnaligned(fromByteOffset: at, as: UInt16.self)
        return bigEndian ? UInt16(bigEndian: v) : UInt16(littleEndian: v)
    }

    @inline(__always) public func u32(_ at: Int, bigEndian: Bool) -> UInt32 {
        let v = bytes.loadUnaligned(fromByteOffset: at, as: UInt32.self)
        return bigEndian ? UInt32(bigEndian: v) : UInt32(littleEndian: v)
    }

    @inline(__always) public func u64(_ at: Int, bigEndian: Bool) -> UInt64 {
        let v = bytes.loadUnaligned(fromByteOffset: at, as: UInt64.self)
        return bigEndian ? UInt64(bigEndian: v) : UInt64(littleEndian: v)
    }

    public func slice(_ r: Range<Int>) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: bytes[r])
    }
}
