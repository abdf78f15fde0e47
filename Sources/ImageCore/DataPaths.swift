import Foundation

/// Where test and example data live, and where downloads are cached: a value built from settings the
/// caller read (the executables read the environment once, at their entry), so no library looks at the
/// process environment.
///
/// Data: `DEEPSTROKE_DATA`; otherwise `../shared/data` next to the current directory when it exists (a
/// developer checkout). Cache: `$XDG_CACHE_HOME/deepstroke` or `~/.cache/deepstroke`, which
/// `deepstroke fetch-template` fills.
public struct DataPaths: Sendable, Equatable {
    public var dataDirectory: URL?
    /// Cache folder for downloaded public data and the default atlas.
    public var cacheDirectory: URL
    /// Folders searched for helper programs (curl): `PATH`.
    public var programSearchPath: [URL]

    public init(dataDirectory: URL?, cacheDirectory: URL, programSearchPath: [URL] = DataPaths.standardProgramFolders) {
        self.dataDirectory = dataDirectory
        self.cacheDirectory = cacheDirectory
        self.programSearchPath = programSearchPath
    }

    /// The rules above applied to `environment` (the variables as the caller read them).
    public init(environment: [String: String],
                currentDirectory: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)) {
        let fm = FileManager.default
        if let env = environment["DEEPSTROKE_DATA"], !env.isEmpty {
            dataDirectory = URL(fileURLWithPath: env)
        } else {
            let shared = currentDirectory.deletingLastPathComponent().appendingPathComponent("shared/data")
            dataDirectory = fm.fileExists(atPath: shared.path) ? shared.standardizedFileURL : nil
        }
        if let xdg = environment["XDG_CACHE_HOME"], !xdg.isEmpty {
            cacheDirectory = URL(fileURLWithPath: xdg).appendingPathComponent("deepstroke")
        } else {
            let home = environment["HOME"] ?? fm.homeDirectoryForCurrentUser.path
            cacheDirectory = URL(fileURLWithPath: home).appendingPathComponent(".cache/deepstroke")
        }
        programSearchPath = environment["PATH"].map { $0.split(separator: ":").map { URL(fileURLWithPath: String($0)) } }
            ?? Self.standardProgramFolders
    }

    /// Where programs are when `PATH` is not set.
    public static let standardProgramFolders = ["/usr/local/bin", "/usr/bin", "/bin"].map { URL(fileURLWithPath: $0) }

    /// Where `fetch-template` installs the CT template.
    public var fetchedTemplateDirectory: URL { cacheDirectory.appendingPathComponent("ct_template") }

    /// The CT template folder: the data folder's `ct_template`, else the fetched copy in the cache.
    public var templateDirectory: URL? {
        let fm = FileManager.default
        if let d = dataDirectory?.appendingPathComponent("ct_template"), fm.fileExists(atPath: d.path) { return d }
        let cached = fetchedTemplateDirectory
        if fm.fileExists(atPath: cached.appendingPathComponent("template_2mm.nii.gz").path) { return cached }
        return nil
    }
}
