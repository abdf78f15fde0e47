import Foundation
import ImageCore

/// The acceptor: a listening socket, an accept thread, and one thread per association (the model of
/// DCMTK's storescp, with blocking sockets and a timeout on each). Associations beyond the limit are
/// answered with a transient A-ASSOCIATE-RJ so the modality tries again later.
public final class StorageSCP: @unchecked Sendable {
    public let configuration: SCPConfiguration
    private let store: @Sendable (ReceivedInstance) -> StoreOutcome
    private let open: (@Sendable (ReceivedInstance) -> (any DataSetStream)?)?
    private let log: @Sendable (String) -> Void
    private var listener: Listener?
    /// Associations being served, and whether `stop()` has been called: read and changed together
    /// when a connection is admitted, so both sit behind one lock.
    private struct Admission { var active = 0; var stopping = false }
    private let admission = Locked(Admission())

    /// `open`, when given, is called when a C-STORE data set begins (with the instance as its command
    /// announced it, `dataSet` still empty) and may return a stream that gets the bytes as they arrive.
    public init(configuration: SCPConfiguration, store: @escaping @Sendable (ReceivedInstance) -> StoreOutcome,
                open: (@Sendable (ReceivedInstance) -> (any DataSetStream)?)? = nil,
                log: @escaping @Sendable (String) -> Void) {
        self.configuration = configuration
        self.store = store
        self.open = open
        self.log = log
    }

    /// Associations being served right now.
    public var activeAssociations: Int { admission.current.active }

    /// Starts listening and accepting on a background thread; returns the port (useful with port 0).
    @discardableResult
    public func start(port: Int, host: String = "0.0.0.0") throws -> Int {
        let l = try Listener(port: port, host: host)
        listener = l
        let t = Thread { [self] in acceptLoop(l) }
        t.name = "dicom-accept"
        t.start()
        return l.port
    }

    public func stop() {
        admission.withLock { $0.stopping = true }
        listener?.close()
    }

    private func acceptLoop(_ l: Listener) {
        while true {
            let c: Connection?
            do { c = try l.accept(timeout: configuration.limits.idleTimeout) } catch {
                log("accept failed: \(error)")
                usleep(100_000)
                continue
            }
            guard let connection = c else { return }
            let maxAssociations = configuration.limits.maxAssociations
            let admit = admission.withLock { a in
                guard !a.stopping && a.active < maxAssociations else { return false }
                a.active += 1
                return true
            }
            let t = Thread { [self] in
                if admit {
                    SCPAssociation(connection: connection, configuration: configuration, store: store, open: open, log: log).run()
                    admission.withLock { $0.active -= 1 }
                } else {
                    refuseBusy(connection)
                }
            }
            t.name = "dicom-association"
            t.start()
        }
    }

    /// Reads the request (briefly) so the reject is an answer, then rejects it as transient.
    private func refuseBusy(_ c: Connection) {
        defer { c.close() }
        c.setTimeout(min(5, configuration.limits.idleTimeout))
        _ = try? PDUReader(limits: configuration.limits).read(from: c)
        log("association from \(c.peer) rejected: \(configuration.limits.maxAssociations) associations already open")
        try? c.write(PDUEncoder.encode(.associateRJ(.localLimitExceeded)))
    }
}
