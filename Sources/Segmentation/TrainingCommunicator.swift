/// How the processes ("ranks") of a data-parallel training run exchange numbers. The `Trainer` takes one
/// as a value: `SingleProcessCommunicator` (the default) is one rank and never communicates; the
/// `DistributedTraining` module provides one over MPI.
///
/// Every call is collective: all ranks make the same calls in the same order with arrays of the same
/// length, and each call returns the same result on every rank. A failure is thrown; the caller ends the
/// whole job then (a rank that stops calling leaves the others waiting).
public protocol TrainingCommunicator {
    /// This process's index, 0..<size. Rank 0 writes the run folder.
    var rank: Int { get }
    /// Number of ranks.
    var size: Int { get }
    /// Element-wise sum over all ranks, left in `values` on every rank.
    func sum(_ values: inout [Float]) throws
    func sum(_ values: inout [Double]) throws
    /// Replaces `values` on every rank by those of rank `root`.
    func broadcast(_ values: inout [Float], from root: Int) throws
    func broadcast(_ values: inout [Double], from root: Int) throws
}

/// One process: sums and broadcasts leave the values as they are.
public struct SingleProcessCommunicator: TrainingCommunicator {
    public init() {}
    public var rank: Int { 0 }
    public var size: Int { 1 }
    public func sum(_ values: inout [Float]) {}
    public func sum(_ values: inout [Double]) {}
    public func broadcast(_ values: inout [Float], from root: Int) {}
    public func broadcast(_ values: inout [Double], from root: Int) {}
}

extension TrainingCommunicator {
    /// The part of a global batch of `count` samples that this rank runs (`batchShare`).
    public func share(of count: Int) -> Range<Int> { batchShare(count, rank: rank, size: size) }
}

/// The part of a global batch of `count` samples that `rank` of `size` runs: contiguous, sizes differing
/// by at most one, rank 0's never smaller than the others' (so it has a sample whenever the batch has one).
public func batchShare(_ count: Int, rank: Int, size: Int) -> Range<Int> {
    let lo = (count * rank + size - 1) / size, hi = (count * (rank + 1) + size - 1) / size
    return lo..<hi
}
