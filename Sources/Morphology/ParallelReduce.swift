import Foundation
import ImageCore

/// Sums per-chunk partial results of `parallelChunks`; ImageCore offers no reduction, and a lock per
/// chunk (not per voxel) costs nothing measurable.
func parallelSum(_ count: Int, minChunk: Int = 1 << 16, _ partial: (Range<Int>) -> Int) -> Int {
    let lock = NSLock()
    var total = 0
    parallelChunks(count, minChunk: minChunk) { range in
        let p = partial(range)
        lock.lock(); total += p; lock.unlock()
    }
    return total
}
