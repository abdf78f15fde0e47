import Foundation
import ImageCore
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
///
/// A training step frees and asks again for the same sizes every step. Freed mappings are kept
/// (up to `cacheLimit` bytes) and handed out again for a request of the same reserved size, so
/// steady-state training touches no fresh pages at all. Only exact sizes are reused: a cached buffer
/// never stands in for a smaller request, which would waste the difference. A request the cache
/// cannot serve first unmaps cached buffers as needed to stay within the no-cache peak.
public enum HostMemory {
    /// Below this, malloc's own arenas are faster than a mapping per buffer.
    static let mappedThreshold = 4 << 20
    static let hugePage = 2 << 20
    /// Most bytes kept in freed buffers: an eighth of physical memory.
    static let cacheLimit = Int(ProcessInfo.processInfo.physicalMemory / 8)

    /// Bytes actually reserved for a request (what `deallocate` must be given back).
    static func reservedSize(_ bytes: Int) -> Int {
        let b = Swift.max(bytes, 64)
        return b >= mappedThreshold ? (b + hugePage - 1) / hugePage * hugePage : b
    }

    /// What is handed out and what is kept, changed together under one lock.
    private struct Ledger {
        var inUse = 0
        var peak = 0
        /// Most bytes ever in use (never reset): the bound on in-use plus cached memory.
        var lifetimePeak = 0
        /// Freed mappings by reserved size. The pointers are only stored here; the memory is reached
        /// by whoever `allocate` hands it to.
        var cached: [Int: [UnsafeMutableRawPointer]] = [:]
        var cachedBytes = 0

        /// Takes a cached buffer of exactly `size`, if there is one.
        mutating func takeCached(_ size: Int) -> UnsafeMutableRawPointer? {
            guard let p = cached[size]?.popLast() else { return nil }
            if cached[size]?.isEmpty == true { cached[size] = nil }
            cachedBytes -= size
            return p
        }
    }

    private static let ledger = Locked(Ledger())

    /// Bytes in large buffers handed out now, and the most there were since the last `resetPeak` —
    /// what a network's activations cost, apart from the rest of the process and the cache.
    public static var largeBufferBytes: (current: Int, peak: Int) {
        ledger.withLock { ($0.inUse, $0.peak) }
    }

    /// In use plus cached: what the process holds in large buffers.
    static var mappedBytes: Int {
        ledger.withLock { $0.inUse + $0.cachedBytes }
    }

    static var lifetimePeakBytes: Int {
        ledger.withLock { $0.lifetimePeak }
    }

    public static func resetPeak() {
        ledger.withLock { $0.peak = $0.inUse }
    }

    /// Returns every cached buffer to the system (after inference, or when memory is wanted elsewhere).
    public static func releaseCached() {
        let all = ledger.withLock { l in
            defer { l.cached = [:]; l.cachedBytes = 0 }
            return l.cached
        }
        for (size, list) in all { for p in list { munmap(p, size) } }
    }

    /// Uninitialised memory of at least `bytes`, or nil when the system refuses it.
    static func allocate(bytes: Int) -> UnsafeMutableRawPointer? {
        let size = reservedSize(bytes)
        guard size >= mappedThreshold else {
            var p: UnsafeMutableRawPointer?
            return posix_memalign(&p, 64, size) == 0 ? p : nil
        }
        // A miss maps fresh memory. Cached buffers go back to the system first, largest first, until
        // mapped memory (in use + cached) fits under the most ever in use: the process never holds more
        // than it would without the cache. Training repeats its sizes and soon stops missing.
        let (hit, spare) = ledger.withLock { l -> (UnsafeMutableRawPointer?, [(Int, UnsafeMutableRawPointer)]) in
            l.inUse += size
            l.peak = Swift.max(l.peak, l.inUse)
            l.lifetimePeak = Swift.max(l.lifetimePeak, l.inUse)
            if let p = l.takeCached(size) { return (p, []) }
            var spare: [(Int, UnsafeMutableRawPointer)] = []
            while l.inUse + l.cachedBytes > l.lifetimePeak, let largest = l.cached.keys.max(),
                  let q = l.takeCached(largest) {
                spare.append((largest, q))
            }
            return (nil, spare)
        }
        if let hit { return hit }
        for (s, q) in spare { munmap(q, s) }
        guard let p = mapAligned(size) else {
            ledger.withLock { $0.inUse -= size }
            return nil
        }
        return p
    }

    static func deallocate(_ p: UnsafeMutableRawPointer, bytes: Int) {
        let size = reservedSize(bytes)
        guard size >= mappedThreshold else { free(p); return }
        let kept = ledger.withLock { l -> Bool in
            l.inUse -= size
            guard l.cachedBytes + size <= cacheLimit else { return false }
            l.cached[size, default: []].append(p)
            l.cachedBytes += size
            return true
        }
        if !kept { munmap(p, size) }
    }

    /// A fresh anonymous mapping starting on a 2 MiB boundary, huge pages requested.
    private static func mapAligned(_ size: Int) -> UnsafeMutableRawPointer? {
        // Over-map by one huge page, then trim both ends (the kernel backs only aligned 2 MiB ranges
        // with huge pages).
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
        return start
    }
}
