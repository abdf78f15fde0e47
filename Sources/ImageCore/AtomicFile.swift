import Foundation

/// Writes outputs so a reader never sees half a file: data goes to a hidden temporary file in the
/// target folder and is renamed into place only once complete. A crash or a thrown error leaves the
/// old file (or nothing) behind, never a truncated one.
public enum AtomicFile {
    public static func write(_ data: Data, to url: URL) throws {
        try write(to: url) { tmp in try data.write(to: tmp) }
    }

    /// Calls `produce` with a temporary path in the destination folder, then renames it to `url`.
    public static func write(to url: URL, _ produce: (URL) throws -> Void) throws {
        let dir = url.deletingLastPathComponent()
        let fm = FileManager.default
        if !fm.fileExists(atPath: dir.path) {
            try fm.createDirectory(at: dir, withIntermediateDirectories: true)
        }
        let tmp = dir.appendingPathComponent(".\(url.lastPathComponent).tmp-\(ProcessInfo.processInfo.processIdentifier)-\(UInt32.random(in: 0...UInt32.max))")
        do {
            try produce(tmp)
            if rename(tmp.path, url.path) != 0 {
                let err = String(cString: strerror(errno))
                throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: "cannot move \(tmp.path) to \(url.path): \(err)"])
            }
        } catch {
            try? fm.removeItem(at: tmp)
            throw error
        }
    }
}
