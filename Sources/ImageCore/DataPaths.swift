import Foundation

/// Where test and example data live. One setting: `DEEPSTROKE_DATA`; otherwise `../shared/data` next to
/// the current directory when it exists (a developer checkout), otherwise the user cache folder that
/// `deepstroke fetch-template` fills.
public enum DataPaths {
    public static var dataDirectory: URL? {
        let fm = FileManager.default
        if let env = ProcessInfo.processInfo.environment["DEEPSTROKE_DATA"], !env.isEmpty {
            return URL(fileURLWithPath: env)
        }
        let cwd = URL(fileURLWithPath: fm.currentDirectoryPath)
        let shared = cwd.deletingLastPathComponent().appendingPathComponent("shared/data")
        if fm.fileExists(atPath: shared.path) { return shared.standardizedFileURL }
        return nil
    }

    /// Cache folder for downloaded public data (`$XDG_CACHE_HOME/deepstroke` or `~/.cache/deepstroke`).
    public static var cacheDirectory: URL {
        let env = ProcessInfo.processInfo.environment
        if let xdg = env["XDG_CACHE_HOME"], !xdg.isEmpty {
            return URL(fileURLWithPath: xdg).appendingPathComponent("deepstroke")
        }
        let home = env["HOME"] ?? FileManager.default.homeDirectoryForCurrentUser.path
        return URL(fileURLWithPath: home).appendingPathComponent(".cache/deepstroke")
    }

    /// The CT template folder: the data folder's `ct_template`, else the fetched copy in the cache.
    public static var templateDirectory: URL? {
        let fm = FileManager.default
        if let d = dataDirectory?.appendingPathComponent("ct_template"), fm.fileExists(atPath: d.path) { return d }
        let cached = cacheDirectory.appendingPathComponent("ct_template")
        if fm.fileExists(atPath: cached.appendingPathComponent("template_2mm.nii.gz").path) { return cached }
        return nil
    }
}
