import Foundation

/// Timestamped log lines on standard error, one writer at a time. Callers pass hashed UIDs only.
public final class NodeLog: @unchecked Sendable {
    private let lock = NSLock()
    private let formatter: ISO8601DateFormatter
    private let sink: (String) -> Void

    public init(sink: @escaping (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }) {
        formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        self.sink = sink
    }

    public func callAsFunction(_ component: String, _ message: String) {
        lock.lock(); defer { lock.unlock() }
        sink("\(formatter.string(from: Date())) [\(component)] \(message)")
    }
}
