/// One association on the acceptor side, run on its own thread from A-ASSOCIATE-RQ to release or
/// abort. C-ECHO is answered; C-STORE data sets are collected PDV by PDV (with the instance size
/// limit applied as they arrive) and handed to `store`; anything the protocol does not allow ends the
/// association with A-ABORT. Every way out closes the socket; none throws past `run`.
final class SCPAssociation {
    let connection: Connection
    let configuration: SCPConfiguration
    let store: @Sendable (ReceivedInstance) -> StoreOutcome
    let log: @Sendable (String) -> Void
    let reader: PDUReader

    private var callingAE = "?"
    private var contexts: [UInt8: AcceptedContext] = [:]
    private var abstractSyntax: [UInt8: String] = [:]
    private var channel: MessageChannel!

    init(connection: Connection, configuration: SCPConfiguration,
         store: @escaping @Sendable (ReceivedInstance) -> StoreOutcome, log: @escaping @Sendable (String) -> Void) {
        self.connection = connection
        self.configuration = configuration
        self.store = store
        self.log = log
        self.reader = PDUReader(limits: configuration.limits)
    }

    private var who: String { "\(callingAE)@\(connection.peer)" }

    /// Serves the association; returns the number of instances stored.
    @discardableResult
    func run() -> Int {
        defer { connection.close() }
        do {
            guard try negotiate() else { return 0 }
            return try serve()
        } catch let e as NetworkError {
            switch e {
            case .connectionClosed, .timeout:
                log("association \(who) ended: \(e)")
            case .aborted:
                log("association \(who): \(e)")
            default:
                log("association \(who) aborted: \(e)")
                abort(reason(for: e))
            }
        } catch {
            log("association \(who) aborted: \(error)")
            abort(.notSpecified)
        }
        return 0
    }

    private func reason(for e: NetworkError) -> AbortReason {
        switch e {
        case .malformedPDU: return .invalidPDUParameterValue
        case .pduTooLong: return .invalidPDUParameterValue
        case .unexpectedPDU: return .unexpectedPDU
        default: return .notSpecified
        }
    }

    private func abort(_ reason: AbortReason) {
        try? connection.write(PDUEncoder.encode(.abort(source: 2, reason: reason.rawValue)))
    }

    /// Waits for A-ASSOCIATE-RQ and answers it; false when the association was rejected.
    private func negotiate() throws -> Bool {
        let first = try reader.read(from: connection)
        guard case .associateRQ(let rq) = first else {
            throw NetworkError.unexpectedPDU("\(first.name) before A-ASSOCIATE-RQ")
        }
        callingAE = rq.callingAE.isEmpty ? "?" : rq.callingAE
        if rq.applicationContext != AssociateRequest.dicomApplicationContext {
            return reject(.applicationContextNotSupported, "application context \(rq.applicationContext)")
        }
        if configuration.checkCalledAE && rq.calledAE != configuration.aeTitle {
            return reject(.calledAENotRecognized, "called AE title \"\(rq.calledAE)\" is not \"\(configuration.aeTitle)\"")
        }
        let answers = configuration.answer(rq.contexts)
        for (p, a) in zip(rq.contexts, answers) {
            if a.result == .acceptance {
                contexts[a.id] = a
                abstractSyntax[a.id] = p.abstractSyntax
            }
        }
        let ac = AssociateAccept(calledAE: rq.calledAE, callingAE: rq.callingAE, contexts: answers,
                                 maxPDULength: configuration.limits.maxPDULength)
        try connection.write(PDUEncoder.encode(.associateAC(ac)))
        channel = MessageChannel(connection: connection, peerMaxPDU: rq.maxPDULength)
        let refused = answers.filter { $0.result != .acceptance }.count
        log("association \(who) accepted: \(contexts.count) presentation context(s)" + (refused > 0 ? ", \(refused) refused (unsupported SOP class or transfer syntax)" : ""))
        return true
    }

    private func reject(_ rj: AssociateReject, _ why: String) -> Bool {
        log("association \(who) rejected: \(why)")
        try? connection.write(PDUEncoder.encode(.associateRJ(rj)))
        return false
    }

    /// The P-DATA loop until A-RELEASE-RQ.
    private func serve() throws -> Int {
        var stored = 0
        var commandBytes: [UInt8] = []
        var pending: (command: DIMSECommand, context: UInt8)?
        // Fragments are kept as received and joined once at the end (a data set that came in one PDV is
        // not copied at all): the PDU bodies are the only buffers.
        var fragments: [ArraySlice<UInt8>] = []
        var received = 0
        var dropped = 0   // bytes of a data set over the instance limit, read and discarded
        let limit = configuration.limits.maxInstanceBytes
        while true {
            let pdu = try reader.read(from: connection)
            switch pdu {
            case .data(let pdvs):
                for pdv in pdvs {
                    guard contexts[pdv.contextID] != nil else {
                        throw NetworkError.malformedPDU("PDV on presentation context \(pdv.contextID), which was not accepted")
                    }
                    if pdv.isCommand {
                        guard pending == nil else { throw NetworkError.unexpectedPDU("command fragment while a data set was expected") }
                        commandBytes += pdv.data
                        guard commandBytes.count <= 1 << 16 else { throw NetworkError.malformedCommand("command set larger than 64 KiB") }
                        guard pdv.isLast else { continue }
                        let command = try DIMSECommand.decode(commandBytes)
                        commandBytes.removeAll(keepingCapacity: true)
                        if command.hasDataSet {
                            pending = (command, pdv.contextID)
                            fragments.removeAll()
                            received = 0
                            dropped = 0
                        } else {
                            try respond(to: command, context: pdv.contextID)
                        }
                    } else {
                        guard let (command, context) = pending, context == pdv.contextID else {
                            throw NetworkError.unexpectedPDU("data set fragment without a command on context \(pdv.contextID)")
                        }
                        if dropped == 0 && received + pdv.data.count <= limit {
                            fragments.append(pdv.data)
                            received += pdv.data.count
                        } else {
                            dropped += received + pdv.data.count
                            fragments.removeAll()
                            received = 0
                        }
                        guard pdv.isLast else { continue }
                        pending = nil
                        if dropped > 0 {
                            log("C-STORE from \(who) refused: data set larger than the instance limit of \(limit) bytes")
                            try channel.send(contextID: context, command: command.response(
                                status: DIMSEStatus.refusedOutOfResources, comment: "instance larger than \(limit) bytes"))
                        } else if try storeInstance(command, context: context, data: Self.join(fragments, count: received)) {
                            stored += 1
                        }
                        fragments.removeAll()
                        received = 0
                    }
                }
            case .releaseRQ:
                try connection.write(PDUEncoder.encode(.releaseRP))
                log("association \(who) released: \(stored) instance(s) stored")
                return stored
            case .abort(let s, let r):
                throw NetworkError.aborted(source: s, reason: r)
            default:
                throw NetworkError.unexpectedPDU("\(pdu.name) during an established association")
            }
        }
    }

    static func join(_ fragments: [ArraySlice<UInt8>], count: Int) -> ArraySlice<UInt8> {
        if fragments.count == 1 { return fragments[0] }
        var out: [UInt8] = []
        out.reserveCapacity(count)
        for f in fragments { out += f }
        return out[...]
    }

    /// Answers a command that carries no data set.
    private func respond(to command: DIMSECommand, context: UInt8) throws {
        switch command.commandField.flatMap(DIMSECommand.Field.init(rawValue:)) {
        case .cEchoRQ?:
            try channel.send(contextID: context, command: command.response(status: DIMSEStatus.success))
        case .cStoreRQ?:
            try channel.send(contextID: context, command: command.response(status: DIMSEStatus.cannotUnderstand, comment: "C-STORE without a data set"))
        case .cCancelRQ?:
            break // nothing is cancellable here; C-CANCEL has no response
        default:
            log("association \(who): unsupported DIMSE command 0x\(String(command.commandField ?? 0, radix: 16)) refused")
            try channel.send(contextID: context, command: command.response(status: DIMSEStatus.unrecognizedOperation))
        }
    }

    /// Hands a complete C-STORE to the callback and sends its status; true when stored.
    private func storeInstance(_ command: DIMSECommand, context: UInt8, data: ArraySlice<UInt8>) throws -> Bool {
        guard command.commandField == DIMSECommand.Field.cStoreRQ.rawValue else {
            log("association \(who): unsupported DIMSE command 0x\(String(command.commandField ?? 0, radix: 16)) with a data set refused")
            try channel.send(contextID: context, command: command.response(status: DIMSEStatus.unrecognizedOperation))
            return false
        }
        guard let cls = command.affectedSOPClassUID, let inst = command.affectedSOPInstanceUID, !inst.isEmpty else {
            try channel.send(contextID: context, command: command.response(status: DIMSEStatus.cannotUnderstand, comment: "no affected SOP class or instance UID"))
            return false
        }
        guard cls == abstractSyntax[context] else {
            log("C-STORE from \(who) refused: SOP class differs from the presentation context's")
            try channel.send(contextID: context, command: command.response(status: DIMSEStatus.dataSetDoesNotMatchSOPClass, comment: "SOP class differs from the presentation context"))
            return false
        }
        let outcome = store(ReceivedInstance(sopClassUID: cls, sopInstanceUID: inst, transferSyntaxUID: contexts[context]!.transferSyntax,
                                             callingAE: callingAE, peer: connection.peer, dataSet: data))
        try channel.send(contextID: context, command: command.response(status: outcome.status, comment: outcome.comment))
        return DIMSEStatus.isSuccess(outcome.status)
    }
}
