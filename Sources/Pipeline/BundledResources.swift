import Foundation

/// Where the data files that ship with DeepStroke are found: the default ASPECTS atlas and the bundled
/// U-Net, both under a `share/deepstroke` folder.
///
/// The same layout serves a checkout and an installation, so one rule finds both:
///
///     <checkout>/share/deepstroke/{atlas, models/aspects-unet-frame}      in git
///     <prefix>/share/deepstroke/{atlas, models/aspects-unet-frame}        `scripts/install.sh`
///     <prefix>/bin/deepstroke
///
/// Looked up in order, each resource on its own:
/// 1. an override from the environment (`DEEPSTROKE_ATLAS`, `DEEPSTROKE_MODEL`), as a site would set it;
/// 2. `share/deepstroke` in the executable's folder or any folder above it (an installed binary's prefix,
///    or the checkout above `.build/release/deepstroke`);
/// 3. the checkout this binary was compiled from (for a binary built with another `--scratch-path`).
///
/// The current directory is never searched: a hospital's service runs from `/`, and a model that is found
/// only when started from the right folder is a model that silently goes missing.
public struct BundledResources: Sendable, Equatable {
    /// The folder name under `share/` (and the marker that identifies it).
    public static let shareSubpath = "share/deepstroke"
    public static let atlasSubpath = "atlas"
    public static let modelSubpath = "models/aspects-unet-frame"
    public static let atlasVariable = "DEEPSTROKE_ATLAS"
    public static let modelVariable = "DEEPSTROKE_MODEL"

    /// One resource: where it is, and which rule found it (printed by `deepstroke doctor`).
    public struct Location: Sendable, Equatable {
        public var url: URL?
        public var source: String
        public var problem: String?
        /// The folder, when it holds what it should.
        public var usable: URL? { problem == nil ? url : nil }
    }

    public var atlas: Location
    public var model: Location
    /// The `share/deepstroke` folder the rules found (nil when only overrides point anywhere).
    public var share: URL?

    /// Resolves the locations from values, so tests can pose any installation.
    /// - Parameters:
    ///   - environment: the process environment (only the two override variables are read).
    ///   - executable: the running binary, symbolic links resolved.
    ///   - sourceRoot: the checkout the binary was built from, if it still exists.
    public init(environment: [String: String], executable: URL?, sourceRoot: URL?) {
        var share: URL? = nil
        var shareSource = ""
        if let exe = executable, let s = Self.shareFolder(above: exe.deletingLastPathComponent()) {
            share = s
            shareSource = "found from the executable \(exe.path)"
        } else if let root = sourceRoot, Self.isShareFolder(root.appendingPathComponent(Self.shareSubpath)) {
            share = root.appendingPathComponent(Self.shareSubpath)
            shareSource = "in the checkout the binary was built from"
        }
        self.share = share
        atlas = Self.locate(variable: Self.atlasVariable, environment: environment, share: share, shareSource: shareSource,
                            subpath: Self.atlasSubpath, marker: "labels.nii.gz")
        model = Self.locate(variable: Self.modelVariable, environment: environment, share: share, shareSource: shareSource,
                            subpath: Self.modelSubpath, marker: "model.safetensors")
    }

    /// The running process's resources: its executable (`/proc/self/exe`) and `environment`, the process
    /// environment as the caller read it (the executables read it once, at their entry).
    public static func current(environment: [String: String]) -> BundledResources {
        BundledResources(environment: environment, executable: runningExecutable, sourceRoot: compiledCheckout)
    }

    /// The running binary, links resolved; `/proc/self/exe` is right even when the binary was found on
    /// `PATH` and `argv[0]` is a bare name.
    public static var runningExecutable: URL? {
        if let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            return URL(fileURLWithPath: target)
        }
        let arg0 = CommandLine.arguments.first ?? ""
        return arg0.hasPrefix("/") ? URL(fileURLWithPath: arg0).resolvingSymlinksInPath() : nil
    }

    /// The checkout this file was compiled in (three folders above `Sources/Pipeline/<file>`), when it
    /// is still there.
    public static var compiledCheckout: URL? {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return FileManager.default.fileExists(atPath: root.appendingPathComponent(shareSubpath).path) ? root : nil
    }

    static func shareFolder(above start: URL) -> URL? {
        var dir = start.standardizedFileURL
        for _ in 0..<8 {
            let candidate = dir.appendingPathComponent(shareSubpath)
            if isShareFolder(candidate) { return candidate }
            let parent = dir.deletingLastPathComponent()
            if parent.path == dir.path { break }
            dir = parent
        }
        return nil
    }

    /// A `share/deepstroke` folder counts when it holds the atlas (the one resource every run needs).
    static func isShareFolder(_ url: URL) -> Bool {
        FileManager.default.fileExists(atPath: url.appendingPathComponent(atlasSubpath).appendingPathComponent("labels.nii.gz").path)
    }

    private static func locate(variable: String, environment: [String: String], share: URL?, shareSource: String,
                               subpath: String, marker: String) -> Location {
        if let value = environment[variable], !value.isEmpty {
            let url = URL(fileURLWithPath: value)
            let ok = FileManager.default.fileExists(atPath: url.appendingPathComponent(marker).path)
            return Location(url: url, source: "\(variable)",
                            problem: ok ? nil : "\(variable)=\(value) has no \(marker)")
        }
        guard let share else {
            return Location(url: nil, source: "not found",
                            problem: "no \(shareSubpath) folder beside the executable or in its checkout (reinstall with scripts/install.sh, or set \(variable))")
        }
        let url = share.appendingPathComponent(subpath)
        let ok = FileManager.default.fileExists(atPath: url.appendingPathComponent(marker).path)
        return Location(url: url, source: shareSource, problem: ok ? nil : "\(url.path) has no \(marker)")
    }
}
