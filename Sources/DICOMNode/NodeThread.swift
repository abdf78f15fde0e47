import Foundation

/// What every background thread of the node shares: the job store, the log, and whether the node is
/// still running. `repeatUntilStopped` is their loop: one step of work at a time, a pause when there
/// was nothing to do, and an error logged (never the end of the thread).
struct NodeThread: Sendable {
    let store: JobStore
    let log: NodeLog
    let isRunning: @Sendable () -> Bool

    /// Runs `step` until the node stops; `step` returns false when it found nothing to do, and the
    /// thread then waits `idle` seconds before the next one.
    func repeatUntilStopped(_ name: String, idle: Double, _ step: () throws -> Bool) {
        while isRunning() {
            do {
                if try !step() { usleep(UInt32(idle * 1_000_000)) }
            } catch {
                log(name, "job store: \(error)")
                sleep(1)
            }
        }
    }
}
