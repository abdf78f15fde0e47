import ArgumentParser
import Foundation
import ImageCore

/// The entry of the `deepstroke` and `deepstroke-bench` executables: the one place that reads the
/// process environment, and the one place where the thread count is chosen for a whole command.
///
/// It parses the arguments, picks the command's `Parallelism` (its `--threads`, else
/// `DEEPSTROKE_THREADS`, else all cores) and runs the command inside it; the parallel loops of the
/// libraries take it from there (`Parallelism.current`). A command that needs paths or the model gets
/// the environment as a value (`EnvironmentCommand`). Errors and exit codes are ArgumentParser's.
public enum CommandEntry {
    public static func main<Root: ParsableCommand>(_ root: Root.Type) -> Never {
        let environment = CommandEnvironment(ProcessInfo.processInfo.environment)
        do {
            var command = try Root.parseAsRoot()
            let option = (command as? any ThreadedCommand)?.threadOptions.threads
            try environment.parallelism(threads: option).run {
                if var needsEnvironment = command as? any EnvironmentCommand {
                    try needsEnvironment.run(in: environment)
                } else {
                    try command.run()
                }
            }
            Root.exit()
        } catch {
            Root.exit(withError: error)
        }
    }
}
