import Foundation

/// A value guarded by a lock: the one way code in this package shares a small mutable value (a
/// counter, a partial result, a stop flag) between threads. The value is reachable only inside
/// `withLock`, so no read or write can forget the lock.
///
/// A class because every thread must see the same storage; `@unchecked Sendable` because `NSLock`
/// serialises every access to `value`.
public final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    public init(_ value: Value) {
        self.value = value
    }

    /// Runs `body` with exclusive access to the value. Keep `body` short: other threads wait.
    @discardableResult
    public func withLock<R>(_ body: (inout Value) throws -> R) rethrows -> R {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }

    /// A copy of the value at this moment.
    public var current: Value {
        withLock { $0 }
    }
}
