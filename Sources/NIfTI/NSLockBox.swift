import Foundation

/// A mutex for merging per-thread partial results.
final class NSLockBox: @unchecked Sendable {
    private let lock = NSLock()
    func sync<R>(_ body: () throws -> R) rethrows -> R {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }
}
