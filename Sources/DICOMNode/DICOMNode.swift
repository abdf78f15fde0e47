import DICOMNetwork
import Foundation
import ImageCore

/// The running node: the storage SCP writing into the inbox, a scheduler that queues studies once
/// quiet for the study timeout, `workers` processing threads, and (with a destination) the sender.
/// All state lives in the job store, so `start` after a crash resumes where the last run stopped.
public final class DICOMNode: @unchecked Sendable {
    public let configuration: NodeConfiguration
    public let store: JobStore
    public let inbox: Inbox
    let log: NodeLog
    let processor: StudyProcessor
    private var scp: StorageSCP?
    /// Read by every thread's loop, set by `start` and `stop`.
    private let running = Locked(false)

    public init(configuration: NodeConfiguration, processor: @escaping StudyProcessor, log: NodeLog) throws {
        self.configuration = configuration
        self.processor = processor
        self.log = log
        try DICOMPeer.validate(aeTitle: configuration.aeTitle)
        guard configuration.studyTimeout > 0 else { throw NodeError.configuration("--study-timeout must be positive") }
        guard configuration.workers >= 1 else { throw NodeError.configuration("--workers must be at least 1") }
        store = try JobStore(url: configuration.jobStoreURL, durable: configuration.fsync)
        inbox = try Inbox(root: configuration.inbox, store: store, maxBytes: configuration.maxInboxBytes,
                          fsync: configuration.fsync, log: log)
        try FileManager.default.createDirectory(at: configuration.output, withIntermediateDirectories: true)
    }

    private var isRunning: Bool { running.current }

    /// Starts every thread; returns the port listened on.
    @discardableResult
    public func start() throws -> Int {
        let c = configuration
        let now = Date().timeIntervalSince1970
        let recovered = try store.recoverAfterRestart(maxAttempts: c.maxProcessingAttempts, now: now)
        for k in recovered.requeued { log("node", "study \(k): was processing when the node stopped; queued again") }
        for k in recovered.failed { log("node", "study \(k): interrupted \(c.maxProcessingAttempts) times; marked failed") }
        // Files acknowledged before the last stop whose index rows were not written yet.
        try inbox.indexUnindexedFiles()
        running.withLock { $0 = true }
        let alive: @Sendable () -> Bool = { [weak self] in self?.isRunning ?? false }
        let thread = NodeThread(store: store, log: log, isRunning: alive)

        let inbox = self.inbox, log = self.log
        spawn("indexer") { inbox.indexLoop(isRunning: alive) }
        let scpConfig = SCPConfiguration(aeTitle: c.aeTitle, limits: c.limits)
        let scp = StorageSCP(configuration: scpConfig, store: { inbox.receive($0) },
                             open: { inbox.partFile(for: $0) }, log: { log("scp", $0) })
        let port = try scp.start(port: c.port, host: c.host)
        self.scp = scp

        let store = self.store
        spawn("scheduler") {
            thread.repeatUntilStopped("scheduler", idle: min(1.0, c.studyTimeout / 4)) {
                for k in try store.queueCompleted(timeout: c.studyTimeout, now: Date().timeIntervalSince1970) {
                    log("scheduler", "study \(k): no instance for \(c.studyTimeout) s; queued")
                }
                if !c.keepInbox {
                    for k in try store.prunableStudies(awaitingDelivery: c.destination != nil) {
                        let n = try inbox.prune(study: k)
                        log("scheduler", "study \(k): finished and its results settled; \(n) instance(s) removed from the inbox")
                    }
                }
                return false
            }
        }
        for i in 0..<c.workers {
            let w = StudyWorker(index: i + 1, thread: thread, inbox: inbox, output: c.output, processor: processor,
                                maxAttempts: c.maxProcessingAttempts, notAssessableCapture: c.notAssessableCapture)
            // The pipeline runs on this thread: give it the main thread's stack size, not a helper's.
            spawn("worker-\(i + 1)", stackSize: 64 << 20) { w.loop() }
        }
        if let d = c.destination {
            let sender = ResultSender(thread: thread, scu: StorageSCU(callingAE: c.aeTitle, peer: d, limits: c.limits), output: c.output,
                                      retry: .init(backoff: c.sendBackoff, maxBackoff: c.maxSendBackoff, maxAttempts: c.maxSendAttempts))
            spawn("sender") { sender.loop() }
        }
        log("node", "\(c.aeTitle) listening on \(c.host):\(port); inbox \(c.inbox.path), output \(c.output.path), "
            + "study timeout \(c.studyTimeout) s, \(c.workers) worker(s), destination \(c.destination?.description ?? "none")")
        return port
    }

    /// Stops accepting and lets the threads finish their current step.
    public func stop() {
        running.withLock { $0 = false }
        scp?.stop()
    }

    private func spawn(_ name: String, stackSize: Int? = nil, _ body: @escaping @Sendable () -> Void) {
        let t = Thread { body() }
        t.name = name
        if let s = stackSize { t.stackSize = s }
        t.start()
    }
}
