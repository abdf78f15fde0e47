import ImageCore

/// The largest vector length of a field of `n` vectors, `squaredLength(q)` giving the squared length
/// of vector q: the step-size control of SyN, for the planar and the interleaved layout alike.
///
/// Chunks of at least 32768 vectors, a few per thread: the reduction is memory-bound, and fewer
/// partial maxima than threads would leave cores idle.
@inline(__always)
func largestLength(_ n: Int, squaredLength: (Int) -> Float) -> Float {
    let chunks = Swift.max(1, Swift.min(Parallelism.current.threadCount * 4, n / 32768))
    var partial = [Float](repeating: 0, count: chunks)
    partial.withUnsafeMutableBufferPointer { pb in
        let pp = pb.baseAddress!
        parallelFor(chunks) { c in
            var best: Float = 0
            for q in (c * n / chunks)..<((c + 1) * n / chunks) {
                best = Swift.max(best, squaredLength(q))
            }
            pp[c] = best
        }
    }
    return (partial.max() ?? 0).squareRoot()
}
