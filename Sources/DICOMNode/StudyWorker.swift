import Foundation

/// One processing thread: claims the oldest queued study, runs the pipeline into
/// `OUTPUT/<study hash>/` (emptied first: a run interrupted by a crash left part of one), and records
/// the result and the files to send in one transaction. Errors thrown by the pipeline send the study
/// back to the queue until the attempt limit; they never end the thread.
struct StudyWorker: @unchecked Sendable {
    let index: Int
    let store: JobStore
    let inbox: Inbox
    let output: URL
    let processor: StudyProcessor
    let maxAttempts: Int
    let log: NodeLog
    let isRunning: @Sendable () -> Bool

    func loop() {
        while isRunning() {
            do {
                guard let job = try store.claimNext(now: Date().timeIntervalSince1970) else {
                    usleep(300_000)
                    continue
                }
                process(job.key, attempt: job.attempt)
            } catch {
                log("worker \(index)", "job store: \(error)")
                sleep(1)
            }
        }
    }

    func process(_ key: String, attempt: Int) {
        let name = "worker \(index)"
        let out = output.appendingPathComponent(key)
        log(name, "study \(key): processing (attempt \(attempt))")
        let t0 = Date()
        do {
            let fm = FileManager.default
            if fm.fileExists(atPath: out.path) { try fm.removeItem(at: out) }
            try fm.createDirectory(at: out, withIntermediateDirectories: true)
            let outcome = try processor(inbox.folder(study: key), out)
            let result = StudyResult(outcome: outcome, outputRoot: output)
            let state = try store.finish(key, state: result.state, reason: result.reason, files: result.files, now: Date().timeIntervalSince1970)
            let dt = String(format: "%.1f", Date().timeIntervalSince(t0))
            switch state {
            case .receiving: log(name, "study \(key): new instances arrived during processing; it will be processed again")
            case .notAssessable: log(name, "study \(key): not assessable in \(dt) s: \(result.reason ?? "")")
            default: log(name, "study \(key): \(state.rawValue) in \(dt) s, \(result.files.count) result file(s) to send")
            }
        } catch {
            do {
                let state = try store.failProcessing(key, reason: "\(error)", maxAttempts: maxAttempts, now: Date().timeIntervalSince1970)
                log(name, "study \(key): processing failed (\(error)); " + (state == .failed ? "marked failed after \(attempt) attempt(s)" : "queued again"))
            } catch {
                log(name, "study \(key): cannot record the failure: \(error)")
            }
        }
    }
}
