import ArgumentParser
import CommandSupport
import Foundation
import Pipeline

/// `deepstroke doctor`: where this binary finds what it needs, so a site can check an installation
/// before the first patient rather than during it.
struct DoctorCommand: EnvironmentCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Print the version and where the bundled atlas and U-Net were found (exit 1 if either is missing).")

    func run(in environment: CommandEnvironment) throws {
        let r = environment.resources
        print("deepstroke \(DeepStrokeVersion.string)")
        print("executable: \(BundledResources.runningExecutable?.path ?? "unknown")")
        print("share folder: \(r.share?.path ?? "not found")")
        var ok = true
        for (name, loc) in [("atlas", r.atlas), ("U-Net model", r.model)] {
            if let url = loc.usable {
                print("\(name): \(url.path) (\(loc.source))")
            } else {
                ok = false
                print("\(name): MISSING: \(loc.problem ?? "not found")")
            }
        }
        if !ok { throw ExitCode(1) }
    }
}
