import Foundation

/// The small U-Net that ships with the project (`models/aspects-unet-synthetic`, trained on synthetic
/// patients by `scripts/train-demo-model.sh`; not for clinical use), found without configuration so that
/// `run --method unet` and the demo work in a checkout.
///
/// Looked up in order: `configured` (`DEEPSTROKE_MODEL`, as the executable's entry read it);
/// `models/aspects-unet-synthetic` in the current folder or any folder above it; the same above the
/// executable (a checkout's `.build/release/deepstroke`).
public enum BundledModel {
    public static let relativePath = "models/aspects-unet-synthetic"

    public static func directory(configured: URL? = nil) -> URL? {
        let fm = FileManager.default
        if let configured { return configured }
        var starts = [URL(fileURLWithPath: fm.currentDirectoryPath)]
        let exe = URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath()
        if exe.path.hasPrefix("/") { starts.append(exe.deletingLastPathComponent()) }
        for start in starts {
            var dir = start.standardizedFileURL
            for _ in 0..<6 {
                let candidate = dir.appendingPathComponent(relativePath)
                if fm.fileExists(atPath: candidate.appendingPathComponent("model.safetensors").path) { return candidate }
                let parent = dir.deletingLastPathComponent()
                if parent.path == dir.path { break }
                dir = parent
            }
        }
        return nil
    }
}
