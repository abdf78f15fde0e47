import Dispatch
import Foundation

/// How many threads the numeric loops use. Defaults to all cores; `DEEPSTROKE_THREADS` or the CLI's
/// `--threads` lowers it (for example to compare with a reference tool run on the same number of threads).
public enum Parallelism {
    nonisolated(unsafe) private static var configured: Int? = nil
    /// Guards `configured`: the dataset builder lowers the count while other threads read it.
    private static let lock = NSLock()
    /// Read once: the environment does not change under a running process, and reading it on every
    /// parallel loop would cost a dictionary build each time.
    private static let defaultCount: Int = {
        if let env = ProcessInfo.processInfo.environment["DEEPSTROKE_THREADS"], let n = Int(env), n > 0 { return n }
        return ProcessInfo.processInfo.activeProcessorCount
    }()

    public static var threadCount: Int {
        get {
            lock.lock()
            let c = configured
            lock.unlock()
            return c ?? defaultCount
        }
        set {
            lock.lock()
            configured = max(1, newValue)
            lock.unlock()
        }
    }
}

/// Runs `body(chunkRange)` over `0..<count`, split into contiguous chunks across the configured threads.
/// Chunks are contiguous so each thread streams through memory; small counts run inline.
public func parallelChunks(_ count: Int, minChunk: Int = 4096, _ body: (Range<Int>) -> Void) {
    guard count > 0 else { return }
    let threads = Parallelism.threadCount
    let chunks = Swift.min(threads * 4, Swift.max(1, count / Swift.max(1, minChunk)))
    if chunks <= 1 || threads == 1 {
        body(0..<count)
        return
    }
    let per = (count + chunks - 1) / chunks
    DispatchQueue.concurrentPerform(iterations: chunks) { c in
        let lo = c * per
        let hi = Swift.min(count, lo + per)
        if lo < hi { body(lo..<hi) }
    }
}

/// Runs `body(index)` for every index in `0..<count` across the configured threads. Use for coarse
/// work items (slices, rows of slices); for per-voxel work prefer `parallelChunks`.
public func parallelFor(_ count: Int, _ body: (Int) -> Void) {
    guard count > 0 else { return }
    if count == 1 || Parallelism.threadCount == 1 {
        for n in 0..<count { body(n) }
        return
    }
    parallelChunks(count, minChunk: 1) { range in
        for n in range { body(n) }
    }
}

/// Splits `0..<count` into fixed-size blocks (independent of the thread count), runs `body` on each
/// block in parallel and returns the partial results in block order. Combining them in that order
/// makes reductions (sums, statistics) give the same bits on any number of threads.
public func parallelMapBlocks<T>(_ count: Int, blockSize: Int = 1 << 16, _ body: (Range<Int>) -> T) -> [T] {
    guard count > 0 else { return [] }
    let size = Swift.max(1, blockSize)
    let blocks = (count + size - 1) / size
    var results = [T?](repeating: nil, count: blocks)
    results.withUnsafeMutableBufferPointer { r in
        let out = r
        parallelFor(blocks) { b in
            out[b] = body((b * size)..<Swift.min(count, (b + 1) * size))
        }
    }
    return results.map { $0! }
}
