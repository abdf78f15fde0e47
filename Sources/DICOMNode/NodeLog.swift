import Foundation
import ImageCore

/// Timestamped log lines on standard error, one writer at a time. Callers pass hashed UIDs only.
public final class NodeLog: @unchecked Sendable {
    /// The formatter is not safe to share between threads, and one writer at a time keeps lines whole:
    /// both the formatting and the write happen inside its lock.
    private let formatter: Locked<ISO8601DateFormatter>
    private let sink: (String) -> Void

    public init(sink: @escaping (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }) {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        formatter = Locked(f)
        self.sink = sink
    }

    public func callAsFunction(_ component: String, _ message: String) {
        formatter.withLock { f in sink("\(f.string(from: Date())) [\(component)] \(message)") }
    }
}
