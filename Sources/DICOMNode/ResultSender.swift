import DICOMNetwork
import Foundation

/// Delivers result files to the destination with C-STORE, one association per study and round.
/// A failed file is retried after `backoff * 2^(attempts-1)` seconds (capped), each attempt and its
/// error recorded in the job store, until `maxAttempts`; then it is marked failed and logged.
struct ResultSender: @unchecked Sendable {
    /// When a failed file is tried again, and when never again.
    struct RetryPolicy: Sendable {
        var backoff: Double
        var maxBackoff: Double
        var maxAttempts: Int

        func nextAttempt(after attempts: Int, now: Double) -> Double {
            now + min(maxBackoff, backoff * pow(2, Double(max(attempts - 1, 0))))
        }
    }

    let thread: NodeThread
    let scu: StorageSCU
    let output: URL
    let retry: RetryPolicy

    func loop() {
        thread.repeatUntilStopped("sender", idle: 0.5) {
            let due = try thread.store.dueSends(now: Date().timeIntervalSince1970)
            for study in Dictionary(grouping: due, by: \.study).sorted(by: { $0.key < $1.key }) {
                try sendRound(study.key, study.value)
            }
            return !due.isEmpty
        }
    }

    private func sendRound(_ study: String, _ sends: [JobStore.Send]) throws {
        let urls = sends.map { output.appendingPathComponent($0.file) }
        var results: [StorageSCU.FileResult]
        do {
            results = try scu.store(urls)
        } catch {
            results = urls.map { StorageSCU.FileResult(file: $0, status: nil, error: "\(error)") }
        }
        let now = Date().timeIntervalSince1970
        var sent = 0
        for (s, r) in zip(sends, results) {
            if r.succeeded {
                try thread.store.markSent(s.id, now: now)
                sent += 1
            } else {
                let attempts = s.attempts + 1
                let giveUp = attempts >= retry.maxAttempts
                let next = retry.nextAttempt(after: attempts, now: now)
                try thread.store.markSendFailed(s.id, error: r.error ?? "failed", nextAttempt: next, giveUp: giveUp)
                thread.log("sender", "study \(study): \(s.file) to \(scu.peer) failed (attempt \(attempts)): \(r.error ?? "failed"); "
                    + (giveUp ? "giving up" : String(format: "retry in %.0f s", next - now)))
            }
        }
        if sent > 0 { thread.log("sender", "study \(study): \(sent) file(s) delivered to \(scu.peer)") }
    }
}
