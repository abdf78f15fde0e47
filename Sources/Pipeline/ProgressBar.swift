import Foundation
import ImageCore

/// A one-line progress bar with rate and ETA on stderr. On a terminal it redraws in place; otherwise
/// (a SLURM log, a pipe) it prints a plain line per update so logs stay readable. Thread-safe: the
/// counts live in a `Locked`, and each line is written while it is held, so lines come out in order.
public final class ProgressBar: Sendable {
    let total: Int
    let label: String
    let start = Date()
    /// Items finished and, of those, failed.
    private let counts = Locked((done: 0, failed: 0))
    let interactive: Bool
    let write: @Sendable (String) -> Void

    public init(total: Int, label: String, write: (@Sendable (String) -> Void)? = nil) {
        self.total = total
        self.label = label
        interactive = write == nil && isatty(STDERR_FILENO) != 0
        self.write = write ?? { FileHandle.standardError.write(Data($0.utf8)) }
    }

    /// Records one finished item (`ok` false for a failure) and redraws.
    public func advance(ok: Bool = true, note: String = "") {
        counts.withLock { c in
            c.done += 1
            if !ok { c.failed += 1 }
            let line = Self.line(label: label, done: c.done, total: total, failed: c.failed,
                                 elapsed: Date().timeIntervalSince(start), note: note)
            write(interactive ? "\r\u{1B}[2K" + line : line + "\n")
        }
    }

    /// Ends the interactive line.
    public func finish() {
        if interactive && counts.current.done > 0 { write("\n") }
    }

    /// `label [#####-----] 5/10  50%  0:12 elapsed  ETA 0:12  (1 failed)  note`
    public static func line(label: String, done: Int, total: Int, failed: Int, elapsed: TimeInterval, note: String) -> String {
        let width = 24
        let frac = total > 0 ? Double(done) / Double(total) : 1
        let filled = min(width, Int((frac * Double(width)).rounded(.down)))
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        var s = "\(label) [\(bar)] \(done)/\(total) \(String(format: "%3d%%", Int((frac * 100).rounded(.down))))  \(clock(elapsed)) elapsed"
        if done > 0 && done < total { s += "  ETA \(clock(elapsed / Double(done) * Double(total - done)))" }
        if failed > 0 { s += "  (\(failed) failed)" }
        if !note.isEmpty { s += "  " + note }
        return s
    }

    public static func clock(_ t: TimeInterval) -> String {
        let s = Int(t.rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
    }
}
