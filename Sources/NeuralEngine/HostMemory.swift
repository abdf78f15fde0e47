import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// 64-byte aligned buffers for activations and oneDNN scratch space.
///
/// Full-resolution activations of a 256^3 volume are half a gigabyte each, and a forward pass makes
/// dozens of them. malloc serves each from a fresh mapping whose pages the kernel faults in one 4 KiB
/// page at a time (8 million faults for one 256^3 forward, several seconds). Large buffers are
/// therefore mapped here directly, 2 MiB aligned, with transparent huge pages requested: 512 times
/// fewer faults and fewer TLB misses in the convolutions. Where the kernel has huge pages disabled
/// the advice is ignored and the buffers behave as before.
public enum HostMemory {
    /// Below this, malloc's own arenas are faster than a mapping per buffer.
    static let mappedThreshold = 4 << 20
    static let hugePage = 2 << 20

    /// Bytes actually reserved for a request (what `deallocate` must be given back).
    static func reservedSize(_ bytes: Int) -> Int {
        let b = Swift.max(bytes, 64)
        return b >= mappedThreshold ? (b + hugePage - 1) / hugePage * hugePage : b
    }

    private static let lock = NSLock()
    nonisolated(unsafe) private static var mapped = 0
    nonisolated(unsafe) private static var mappedPeak = 0

    /// Bytes in large buffers now, and the most there were since the last `resetPeak` — what a
    /// network's activations cost, apart from the rest of the process.
    public static var largeBufferBytes: (current: Int, peak: Int) {
        lock.lock(); defer { lock.unlock() }
        return (mapped, mappedPeak)
    }

    public static func resetPeak() {
        lock.lock(); mappedPeak = mapped; lock.unlock()
    }

    private static func account(_ delta: Int) {
        lock.lock()
        mapped += delta
        mappedPeak = Swift.max(mappedPeak, mapped)
        lock.unlock()
    }

    /// Uninitialised memory of at least `bytes`, or nil when the system refuses it.
    static func allocate(bytes: Int) -> UnsafeMutableRawPointer? {
        let size = reservedSize(bytes)
        guard size >= mappedThreshold else {
            var p: UnsafeMutableRawPointer?
            return posix_memalign(&p, 64, size) == 0 ? p : nil
        }
        // Over-map by one huge page, then trim both ends so the buffer starts on a 2 MiB boundary
        // (the kernel only backs aligned 2 MiB ranges with huge pages).
        let span = size + hugePage
        guard let raw = mmap(nil, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
              raw != MAP_FAILED else { return nil }
        let address = UInt(bitPattern: raw)
        let aligned = (address + UInt(hugePage) - 1) / UInt(hugePage) * UInt(hugePage)
        let head = Int(aligned - address)
        if head > 0 { munmap(raw, head) }
        let tail = span - head - size
        let start = UnsafeMutableRawPointer(bitPattern: aligned)!
        if tail > 0 { munmap(start + size, tail) }
        _ = madvise(start, size, MADV_HUGEPAGE)
        account(size)
        return start
    }

    static func deallocate(_ p: UnsafeMutableRawPointer, bytes: Int) {
        let size = reservedSize(bytes)
        if size >= mappedThreshold {
            munmap(p, size)
            account(-size)
        } else {
            free(p)
        }
    }
}
