import ImageCore

/// The largest vector length of a field of `n` vectors, `largestSquare(range)` giving the largest
/// squared length among vectors `range`: the step-size control of SyN, for the planar and the
/// interleaved layout alike. The caller writes the loop over a range, so it is compiled (and
/// vectorised) in place; this function only splits the field and combines the chunks.
///
/// Chunks of at least 32768 vectors, a few per thread: the reduction is memory-bound, and fewer
/// partial maxima than threads would leave cores idle.
func largestLength(_ n: Int, largestSquare: (Range<Int>) -> Float) -> Float {
    let chunks = Swift.max(1, Swift.min(Parallelism.current.threadCount * 4, n / 32768))
    var partial = [Float](repeating: 0, count: chunks)
    partial.withUnsafeMutableBufferPointer { pb in
        let pp = pb.baseAddress!
        parallelFor(chunks) { c in
            pp[c] = largestSquare((c * n / chunks)..<((c + 1) * n / chunks))
        }
    }
    return (partial.max() ?? 0).squareRoot()
}
