import Dispatch
import Foundation

/// How many threads the numeric loops use: a value, handed down rather than set process-wide.
///
/// A caller picks the thread count for a piece of work with `run`, which makes it the `current`
/// parallelism of that call and of every parallel loop it starts (their worker threads inherit it), and
/// of nothing else: two scans processed at once can each have their own, and no caller can change
/// another's. Without `run`, loops use all cores. The command-line tool reads `--threads` (or
/// `DEEPSTROKE_THREADS`) once at its entry and runs the command inside `run`.
///
/// Why not a parameter on every loop: the loops sit many calls below the public APIs (a registration
/// level's metric, a skull stripper's distance transform), so a `threads:` argument would have to be
/// repeated through every signature in between; the scoped value carries it through them instead.
public struct Parallelism: Sendable, Equatable, CustomStringConvertible {
    /// Threads a parallel loop may use at once (at least 1).
    public let threadCount: Int

    public init(threadCount: Int) {
        self.threadCount = Swift.max(1, threadCount)
    }

    /// One thread: every loop runs inline on the calling thread.
    public static let serial = Parallelism(threadCount: 1)

    /// Every core the process may run on; the default when no caller chose.
    public static let allCores = Parallelism(threadCount: ProcessInfo.processInfo.activeProcessorCount)

    /// The parallelism chosen by the innermost `run` around this call, else `allCores`.
    public static var current: Parallelism { scoped ?? allCores }

    /// Task-local, so it follows Swift tasks; on plain threads it lives in the thread's own storage, and
    /// `parallelChunks` passes it on to its worker threads.
    @TaskLocal private static var scoped: Parallelism?

    /// Runs `body` with this parallelism as `current` (for `body`, the loops it starts and their workers).
    public func run<R>(_ body: () throws -> R) rethrows -> R {
        try Parallelism.$scoped.withValue(self, operation: body)
    }

    public var description: String { "\(threadCount) thread\(threadCount == 1 ? "" : "s")" }
}

/// Runs `body(chunkRange)` over `0..<count`, split into contiguous chunks across the configured threads.
/// Chunks are contiguous so each thread streams through memory; small counts run inline.
public func parallelChunks(_ count: Int, minChunk: Int = 4096, _ body: (Range<Int>) -> Void) {
    guard count > 0 else { return }
    let parallelism = Parallelism.current
    let threads = parallelism.threadCount
    let chunks = Swift.min(threads * 4, Swift.max(1, count / Swift.max(1, minChunk)))
    if chunks <= 1 || threads == 1 {
        body(0..<count)
        return
    }
    let per = (count + chunks - 1) / chunks
    DispatchQueue.concurrentPerform(iterations: chunks) { c in
        let lo = c * per
        let hi = Swift.min(count, lo + per)
        // The worker threads start without the caller's choice; nested loops must see it too.
        if lo < hi { parallelism.run { body(lo..<hi) } }
    }
}

/// Runs `body(index)` for every index in `0..<count` across the configured threads. Use for coarse
/// work items (slices, rows of slices); for per-voxel work prefer `parallelChunks`.
public func parallelFor(_ count: Int, _ body: (Int) -> Void) {
    guard count > 0 else { return }
    if count == 1 || Parallelism.current.threadCount == 1 {
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
