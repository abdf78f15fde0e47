import Foundation

/// One processing thread: claims the oldest queued study, runs the pipeline into
/// `OUTPUT/<study hash>/` (emptied first: a run interrupted by a crash left part of one), and records
/// the result and the files to send in one transaction. Errors thrown by the pipeline send the study
/// back to the queue until the attempt limit; they never end the thread.
struct StudyWorker: @unchecked Sendable {
    let index: Int
    let thread: NodeThread
    let inbox: Inbox
    let output: URL
    let processor: StudyProcessor
    let maxAttempts: Int
    /// Send a Secondary Capture saying why for a study the gates refused.
    let notAssessableCapture: Bool

    func loop() {
        thread.repeatUntilStopped("worker \(index)", idle: 0.3) {
            guard let job = try thread.store.claimNext(now: Date().timeIntervalSince1970) else { return false }
            process(job.key, attempt: job.attempt)
            return true
        }
    }

    func process(_ key: String, attempt: Int) {
        let name = "worker \(index)"
        let out = output.appendingPathComponent(key)
        thread.log(name, "study \(key): processing (attempt \(attempt))")
        let t0 = Date()
        do {
            let fm = FileManager.default
            if fm.fileExists(atPath: out.path) { try fm.removeItem(at: out) }
            try fm.createDirectory(at: out, withIntermediateDirectories: true)
            let outcome = try processor(inbox.folder(study: key), out)
            var result = StudyResult(outcome: outcome, outputRoot: output)
            if result.state == .notAssessable && result.files.isEmpty && notAssessableCapture {
                result.files = notAssessableFiles(key, reasons: result.reasons, out: out)
            }
            let state = try thread.store.finish(key, state: result.state, reason: result.reason, files: result.files, now: Date().timeIntervalSince1970)
            let dt = String(format: "%.1f", Date().timeIntervalSince(t0))
            switch state {
            case .receiving: thread.log(name, "study \(key): new instances arrived during processing; it will be processed again")
            case .notAssessable:
                thread.log(name, "study \(key): not assessable in \(dt) s, \(result.files.count) file(s) to send: \(result.reason ?? "")")
            default: thread.log(name, "study \(key): \(state.rawValue) in \(dt) s, \(result.files.count) result file(s) to send")
            }
        } catch {
            do {
                let state = try thread.store.failProcessing(key, reason: "\(error)", maxAttempts: maxAttempts, now: Date().timeIntervalSince1970)
                thread.log(name, "study \(key): processing failed (\(error)); " + (state == .failed ? "marked failed after \(attempt) attempt(s)" : "queued again"))
            } catch {
                thread.log(name, "study \(key): cannot record the failure: \(error)")
            }
        }
    }

    /// The not-assessable Secondary Capture, relative to the output root; none (logged) when it cannot
    /// be written: the study's state does not depend on it.
    private func notAssessableFiles(_ key: String, reasons: [String], out: URL) -> [String] {
        do {
            let files = try NotAssessableCapture().write(reasons: reasons, studyFolder: inbox.folder(study: key), output: out)
            return files.map { "\(key)/\(NotAssessableCapture.folderName)/\($0.lastPathComponent)" }
        } catch {
            thread.log("worker \(index)", "study \(key): no not-assessable Secondary Capture: \(error)")
            return []
        }
    }
}
