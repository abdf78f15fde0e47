import Atlas
import Foundation
import ImageCore

/// Downloads a list of files with curl and installs each one only after its SHA-256 matches.
///
/// curl (not URLSession) because it is on every Debian machine, follows redirects, understands proxies
/// from the environment and `file://` URLs — the latter lets tests run the real code path offline.
/// Every file goes to a temporary name in the destination folder and is renamed only once verified, so
/// an interrupted or tampered download never leaves a file that looks valid.
public struct TemplateFetcher {
    /// What happened to one file.
    public enum Outcome: Equatable, Sendable {
        case downloaded
        case alreadyPresent
    }

    /// Base the files' `sourcePath`s are appended to: an http(s) or file URL, or a local folder.
    public var source: URL
    public var destination: URL
    public var files: [CTTemplate.File]
    /// Re-download even when a verified copy is present.
    public var force = false
    /// Progress lines ("fetching x", "ok x").
    public var log: (String) -> Void = { _ in }
    /// Folders searched for curl (the caller's `PATH`, `DataPaths.programSearchPath`).
    public var programSearchPath = DataPaths.standardProgramFolders

    /// `destination`: usually `DataPaths.fetchedTemplateDirectory`.
    public init(source: URL = URL(string: CTTemplate.sourceBase)!, destination: URL,
                files: [CTTemplate.File] = CTTemplate.files) {
        self.source = source
        self.destination = destination
        self.files = files
    }

    /// Fetches every file; stops at the first failure (files already installed stay, all verified).
    @discardableResult
    public func fetch() throws -> [(file: CTTemplate.File, outcome: Outcome)] {
        let curl = try TemplateFetcher.findCurl(in: programSearchPath)
        try? FileManager.default.createDirectory(at: destination, withIntermediateDirectories: true)
        var results: [(CTTemplate.File, Outcome)] = []
        for f in files {
            let target = destination.appendingPathComponent(f.name)
            if !force, FileManager.default.fileExists(atPath: target.path),
               (try? SHA256.hex(ofFile: target)) == f.sha256 {
                log("ok (already present) \(f.name)")
                results.append((f, .alreadyPresent))
                continue
            }
            let url = sourceURL(for: f)
            log("fetching \(url.absoluteString)")
            try AtomicFile.write(to: target) { tmp in
                try TemplateFetcher.download(url, to: tmp, curl: curl)
                let digest = try SHA256.hex(ofFile: tmp)
                guard digest == f.sha256 else {
                    throw PipelineError.download(file: url.absoluteString, problem: "SHA-256 is \(digest), expected \(f.sha256); the file was not installed")
                }
            }
            log("ok \(f.name)")
            results.append((f, .downloaded))
        }
        return results
    }

    func sourceURL(for f: CTTemplate.File) -> URL {
        var base = source.absoluteString
        if !base.hasSuffix("/") { base += "/" }
        return URL(string: base + f.sourcePath) ?? source.appendingPathComponent(f.sourcePath)
    }

    static func findCurl(in folders: [URL]) throws -> URL {
        for dir in folders {
            let candidate = dir.appendingPathComponent("curl")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        throw PipelineError.download(file: "curl", problem: "curl is not installed or not on PATH (Debian: apt-get install curl)")
    }

    static func download(_ url: URL, to file: URL, curl: URL) throws {
        let p = Process()
        p.executableURL = curl
        p.arguments = ["-fsSL", "--retry", "2", "--connect-timeout", "20", "-o", file.path, url.absoluteString]
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        p.standardInput = FileHandle.nullDevice
        do { try p.run() } catch {
            throw PipelineError.download(file: url.absoluteString, problem: "cannot start curl: \(error)")
        }
        let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            let hint: String
            switch p.terminationStatus {
            case 5, 6, 7, 28, 35: hint = " (network down or host unreachable?)"
            case 22: hint = " (the server refused or does not have the file)"
            case 37: hint = " (local file missing or unreadable)"
            default: hint = ""
            }
            let detail = message.split(separator: "\n").last.map(String.init) ?? ""
            throw PipelineError.download(file: url.absoluteString, problem: "curl exited with status \(p.terminationStatus)\(hint)\(detail.isEmpty ? "" : ": " + detail)")
        }
    }
}
