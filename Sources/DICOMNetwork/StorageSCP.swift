import Foundation

/// The acceptor: a listening socket, an accept thread, and one thread per association (the model of
/// DCMTK's storescp, with blocking sockets and a timeout on each). Associations beyond the limit are
/// answered with a transient A-ASSOCIATE-RJ so the modality tries again later.
public final class StorageSCP: @unchecked Sendable {
    public let configuration: SCPConfiguration
    private let store: @Sendable (ReceivedInstance) -> StoreOutcome
    private let log: @Sendable (String) -> Void
    private var listener: Listener?
    private let lock = NSLock()
    private var active = 0
    private var stopping = false

    public init(configuration: SCPConfiguration, store: @escaping @Sendable (ReceivedInstance) -> StoreOutcome,
                log: @escaping @Sendable (String) -> Void) {
        self.configuration = configuration
        self.store = store
        self.log = log
    }

    /// Associations being served right now.
    public var activeAssociations: Int { lock.lock(); defer { lock.unlock() }; return active }

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
        lock.lock(); stopping = true; lock.unlock()
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
            lock.lock()
            let admit = !stopping && active < configuration.limits.maxAssociations
            if admit { active += 1 }
            lock.unlock()
            let t = Thread { [self] in
                if admit {
                    SCPAssociation(connection: connection, configuration: configuration, store: store, log: log).run()
                    lock.lock(); active -= 1; lock.unlock()
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
