import DICOM
import Foundation

/// `--shard I/N`: this process handles the scans whose key hashes to I modulo N. The hash is FNV-1a of
/// the key, so the split is the same on every machine and every run, needs no coordination, and does
/// not change when other scans are added to the source.
public struct ShardSpec: Equatable, Sendable, CustomStringConvertible {
    public let index: Int
    public let count: Int

    public init(index: Int, count: Int) throws {
        guard count >= 1, index >= 0, index < count else {
            throw PipelineError.invalidArgument("shard \(index)/\(count): need 0 <= I < N")
        }
        self.index = index
        self.count = count
    }

    /// Parses `I/N` (0-based I, as SLURM's `$SLURM_ARRAY_TASK_ID` with `--array=0-(N-1)`).
    public init(parsing text: String) throws {
        let parts = text.split(separator: "/").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.count == 2, let i = parts[0], let n = parts[1] else {
            throw PipelineError.invalidArgument("--shard must be I/N (for example 0/4), got '\(text)'")
        }
        try self.init(index: i, count: n)
    }

    public func contains(_ key: String) -> Bool { Self.shard(of: key, count: count) == index }

    public static func shard(of key: String, count: Int) -> Int {
        Int(UInt64(StableHash.hex(key, length: 16), radix: 16)! % UInt64(count))
    }

    public var description: String { "\(index)/\(count)" }
}
