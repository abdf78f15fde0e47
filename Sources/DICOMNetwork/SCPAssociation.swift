/// One association on the acceptor side, run on its own thread from A-ASSOCIATE-RQ to release or
/// abort. C-ECHO is answered; C-STORE data sets are collected PDV by PDV (with the instance size
/// limit applied as they arrive, and passed on to the storage's stream while they do) and handed to
/// `store`; anything the protocol does not allow ends the
/// association with A-ABORT. Every way out closes the socket; none throws past `run`.
final class SCPAssociation {
    let connection: Connection
    let configuration: SCPConfiguration
    let store: @Sendable (ReceivedInstance) -> StoreOutcome
    let open: (@Sendable (ReceivedInstance) -> (any DataSetStream)?)?
    let log: @Sendable (String) -> Void
    let reader: PDUReader

    private var callingAE = "?"
    private var contexts: [UInt8: AcceptedContext] = [:]
    private var abstractSyntax: [UInt8: String] = [:]
    private var channel: MessageChannel!
    /// The command set being received, and the data set: both reused from message to message.
    private var commandBytes: [UInt8] = []
    private var dataSet = DataSetBuffer()
    private var incoming: IncomingDataSet?

    init(connection: Connection, configuration: SCPConfiguration,
         store: @escaping @Sendable (ReceivedInstance) -> StoreOutcome,
         open: (@Sendable (ReceivedInstance) -> (any DataSetStream)?)? = nil, log: @escaping @Sendable (String) -> Void) {
        self.connection = connection
        self.configuration = configuration
        self.store = store
        self.open = open
        self.log = log
        self.reader = PDUReader(limits: configuration.limits)
    }

    private var who: String { "\(callingAE)@\(connection.peer)" }

    /// Serves the association; returns the number of instances stored.
    @discardableResult
    func run() -> Int {
        defer {
            incoming?.stream?.cancel()   // the association ended inside a data set: nothing of it is kept
            connection.close()
        }
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

    /// The loop until A-RELEASE-RQ: P-DATA-TF bodies are read PDV by PDV (`receiveData`), any other
    /// PDU whole.
    private func serve() throws -> Int {
        var stored = 0
        while true {
            let (type, length) = try reader.readHeader(from: connection)
            if type == PDUType.dataTF.rawValue {
                stored += try receiveData(length)
                continue
            }
            let pdu = try PDUDecoder.decode(type: type, body: try connection.readBytes(length))
            switch pdu {
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

    /// Reads one P-DATA-TF body of `length` bytes. Each PDV's data goes straight from the socket into
    /// the command or data set it belongs to: no buffer per PDU and no join at the end (`storescu`
    /// sends 128 KiB PDUs, four or five per CT image; the join was a seventh of the node's receive
    /// samples). Returns the instances stored.
    private func receiveData(_ length: Int) throws -> Int {
        guard length > 0 else { throw NetworkError.malformedPDU("P-DATA-TF without any PDV") }
        var left = length
        var stored = 0
        while left > 0 {
            guard left >= 4 else { throw NetworkError.malformedPDU("PDV length: needs 4 bytes, \(left) left") }
            let (itemLength, id, control) = try withUnsafeTemporaryAllocation(byteCount: 6, alignment: 1) { h in
                try connection.read(into: UnsafeMutableRawBufferPointer(rebasing: h[0..<4]))
                let n = try PDV.itemLength(UInt32(h[0]) << 24 | UInt32(h[1]) << 16 | UInt32(h[2]) << 8 | UInt32(h[3]), remaining: left - 4)
                try connection.read(into: UnsafeMutableRawBufferPointer(rebasing: h[4..<6]))
                return (n, h[4], h[5])
            }
            left -= 4 + itemLength
            let count = itemLength - 2, isLast = control & 2 != 0
            guard contexts[id] != nil else {
                throw NetworkError.malformedPDU("PDV on presentation context \(id), which was not accepted")
            }
            if control & 1 != 0 {
                guard incoming == nil else { throw NetworkError.unexpectedPDU("command fragment while a data set was expected") }
                guard commandBytes.count + count <= 1 << 16 else { throw NetworkError.malformedCommand("command set larger than 64 KiB") }
                commandBytes += try connection.readBytes(count)
                guard isLast else { continue }
                let command = try DIMSECommand.decode(commandBytes)
                commandBytes.removeAll(keepingCapacity: true)
                if command.hasDataSet { begin(command, context: id) } else { try respond(to: command, context: id) }
            } else {
                guard incoming?.context == id else {
                    throw NetworkError.unexpectedPDU("data set fragment without a command on context \(id)")
                }
                try receiveFragment(count, isLast: isLast)
                guard isLast else { continue }
                if try finish() { stored += 1 }
            }
        }
        return stored
    }

    /// Data set bytes handed to the stream at a time: small enough that writing keeps pace with
    /// receiving, large enough that a 512 KiB image costs a handful of system calls.
    static let streamChunk = 1 << 16

    /// A command with a data set arrived: checks it (a refused one has its data set read and dropped)
    /// and opens the storage's stream.
    private func begin(_ command: DIMSECommand, context: UInt8) {
        dataSet.reset()
        if let refusal = refusal(of: command, context: context) {
            incoming = IncomingDataSet(command: command, context: context, refusal: refusal, instance: nil)
            return
        }
        let instance = ReceivedInstance(sopClassUID: command.affectedSOPClassUID ?? "", sopInstanceUID: command.affectedSOPInstanceUID ?? "",
                                        transferSyntaxUID: contexts[context]!.transferSyntax, callingAE: callingAE,
                                        peer: connection.peer, dataSet: [])
        incoming = IncomingDataSet(command: command, context: context, refusal: nil, instance: instance, stream: open?(instance))
    }

    /// Reads `count` bytes of the incoming data set: into the buffer (and on to the stream a chunk at a
    /// time), or dropped when the command was refused or the instance limit is passed.
    private func receiveFragment(_ count: Int, isLast: Bool) throws {
        guard var d = incoming else { return }
        defer { incoming = d }
        let limit = configuration.limits.maxInstanceBytes
        if d.refusal != nil || d.dropped > 0 {
            d.dropped += d.refusal == nil ? count : 0
            try connection.discard(count)
        } else if dataSet.count + count > limit {
            d.dropped = dataSet.count + count
            d.stream?.cancel()
            d.stream = nil
            dataSet.reset()
            try connection.discard(count)
        } else {
            try dataSet.read(count, from: connection)
            if let stream = d.stream, isLast || dataSet.count - d.streamed >= Self.streamChunk {
                dataSet.withUnsafeBytes(from: d.streamed) { stream.append($0) }
                d.streamed = dataSet.count
            }
        }
    }

    /// The data set is complete: answers the C-STORE; true when stored.
    private func finish() throws -> Bool {
        guard let d = incoming else { return false }
        incoming = nil
        defer { dataSet.reset() }
        let limit = configuration.limits.maxInstanceBytes
        if d.dropped > 0 {
            log("C-STORE from \(who) refused: data set larger than the instance limit of \(limit) bytes")
            try channel.send(contextID: d.context, command: d.command.response(
                status: DIMSEStatus.refusedOutOfResources, comment: "instance larger than \(limit) bytes"))
            return false
        }
        guard var instance = d.instance else {
            let r = d.refusal ?? StoreOutcome(status: DIMSEStatus.cannotUnderstand)
            try channel.send(contextID: d.context, command: d.command.response(status: r.status, comment: r.comment))
            return false
        }
        instance.dataSet = dataSet.contents
        instance.stream = d.stream
        let outcome = store(instance)
        try channel.send(contextID: d.context, command: d.command.response(status: outcome.status, comment: outcome.comment))
        return DIMSEStatus.isSuccess(outcome.status)
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

    /// Why a command with a data set is refused whatever the data set holds; nil for a C-STORE to store.
    private func refusal(of command: DIMSECommand, context: UInt8) -> StoreOutcome? {
        guard command.commandField == DIMSECommand.Field.cStoreRQ.rawValue else {
            log("association \(who): unsupported DIMSE command 0x\(String(command.commandField ?? 0, radix: 16)) with a data set refused")
            return StoreOutcome(status: DIMSEStatus.unrecognizedOperation)
        }
        guard let cls = command.affectedSOPClassUID, let inst = command.affectedSOPInstanceUID, !inst.isEmpty else {
            return StoreOutcome(status: DIMSEStatus.cannotUnderstand, comment: "no affected SOP class or instance UID")
        }
        guard cls == abstractSyntax[context] else {
            log("C-STORE from \(who) refused: SOP class differs from the presentation context's")
            return StoreOutcome(status: DIMSEStatus.dataSetDoesNotMatchSOPClass, comment: "SOP class differs from the presentation context")
        }
        return nil
    }
}
