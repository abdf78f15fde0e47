import Foundation

/// The requester: opens one association to a peer, sends C-ECHO or C-STORE for a list of Part 10
/// files (each in its own transfer syntax, no transcoding) and releases. Used to deliver results to
/// the destination PACS.
public struct StorageSCU: Sendable {
    public var callingAE: String
    public var peer: DICOMPeer
    public var limits: NetworkLimits

    public init(callingAE: String, peer: DICOMPeer, limits: NetworkLimits = NetworkLimits()) {
        self.callingAE = callingAE
        self.peer = peer
        self.limits = limits
    }

    /// The status of one file's C-STORE, or why it was not sent.
    public struct FileResult: Sendable {
        public var file: URL
        public var status: UInt16?
        public var error: String?
        public var succeeded: Bool { status.map(DIMSEStatus.isSuccess) ?? false }

        public init(file: URL, status: UInt16?, error: String?) {
            self.file = file
            self.status = status
            self.error = error
        }
    }

    /// Verification: association, C-ECHO, release.
    public func echo() throws {
        try withAssociation([ProposedContext(id: 1, abstractSyntax: StorageClasses.verification,
                                             transferSyntaxes: StorageClasses.verificationSyntaxes)]) { channel, reader, accepted in
            guard accepted[1] != nil else { throw NetworkError.noPresentationContext("Verification refused by \(peer)") }
            var rq = DIMSECommand()
            rq.commandField = DIMSECommand.Field.cEchoRQ.rawValue
            rq.messageID = 1
            rq.affectedSOPClassUID = StorageClasses.verification
            rq.dataSetType = DIMSECommand.noDataSet
            try channel.send(contextID: 1, command: rq)
            let rsp = try channel.receiveCommand(reader: reader)
            guard rsp.status == DIMSEStatus.success else {
                throw NetworkError.malformedCommand("C-ECHO status 0x\(String(rsp.status ?? 0xFFFF, radix: 16))")
            }
        }
    }

    /// Sends each file with C-STORE on one association. A file that cannot be read or has no
    /// accepted context gets an error in its result; a broken association throws.
    public func store(_ files: [URL]) throws -> [FileResult] {
        struct Loaded { var url: URL; var bytes: Data; var meta: Part10.Meta }
        var loaded: [Loaded] = []
        var results: [URL: FileResult] = [:]
        for f in files {
            do {
                let d = try Data(contentsOf: f)
                let m = try d.withUnsafeBytes { try Part10.meta(of: $0, name: f.lastPathComponent) }
                loaded.append(Loaded(url: f, bytes: d, meta: m))
            } catch {
                results[f] = FileResult(file: f, status: nil, error: "\(error)")
            }
        }
        var proposals: [ProposedContext] = []
        var contextFor: [String: UInt8] = [:]
        for l in loaded {
            let key = l.meta.sopClassUID + "|" + l.meta.transferSyntaxUID
            guard contextFor[key] == nil, proposals.count < 128 else { continue }
            let id = UInt8(proposals.count * 2 + 1)
            contextFor[key] = id
            proposals.append(ProposedContext(id: id, abstractSyntax: l.meta.sopClassUID, transferSyntaxes: [l.meta.transferSyntaxUID]))
        }
        if !proposals.isEmpty {
            try withAssociation(proposals) { channel, reader, accepted in
                var messageID: UInt16 = 0
                for l in loaded {
                    guard let id = contextFor[l.meta.sopClassUID + "|" + l.meta.transferSyntaxUID], accepted[id] != nil else {
                        results[l.url] = FileResult(file: l.url, status: nil, error: "\(peer) accepted no context for this SOP class and transfer syntax")
                        continue
                    }
                    messageID &+= 1
                    var rq = DIMSECommand()
                    rq.commandField = DIMSECommand.Field.cStoreRQ.rawValue
                    rq.messageID = messageID
                    rq.priority = 0
                    rq.dataSetType = 0x0000
                    rq.affectedSOPClassUID = l.meta.sopClassUID
                    rq.affectedSOPInstanceUID = l.meta.sopInstanceUID
                    try channel.send(contextID: id, command: rq)
                    try l.bytes.withUnsafeBytes { b in
                        try channel.send(contextID: id, isCommand: false, UnsafeRawBufferPointer(rebasing: b[l.meta.dataSetOffset...]))
                    }
                    let rsp = try channel.receiveCommand(reader: reader)
                    results[l.url] = FileResult(file: l.url, status: rsp.status,
                                                error: rsp.status.map(DIMSEStatus.isSuccess) == true ? nil : "status 0x\(String(rsp.status ?? 0xFFFF, radix: 16))" + (rsp.errorComment.map { ": \($0)" } ?? ""))
                }
            }
        }
        return files.map { results[$0] ?? FileResult(file: $0, status: nil, error: "not sent") }
    }

    private func withAssociation(_ proposals: [ProposedContext],
                                 _ body: (MessageChannel, PDUReader, [UInt8: AcceptedContext]) throws -> Void) throws {
        let c = try Connection.connect(host: peer.host, port: peer.port, timeout: limits.idleTimeout)
        defer { c.close() }
        let reader = PDUReader(limits: limits)
        let rq = AssociateRequest(calledAE: peer.aeTitle, callingAE: callingAE, contexts: proposals, maxPDULength: limits.maxPDULength)
        try c.write(PDUEncoder.encode(.associateRQ(rq)))
        let answer = try reader.read(from: c)
        let ac: AssociateAccept
        switch answer {
        case .associateAC(let a): ac = a
        case .associateRJ(let rj): throw NetworkError.associationRejected(result: rj.result, source: rj.source, reason: rj.reason)
        case .abort(let s, let r): throw NetworkError.aborted(source: s, reason: r)
        default: throw NetworkError.unexpectedPDU("\(answer.name) in answer to A-ASSOCIATE-RQ")
        }
        var accepted: [UInt8: AcceptedContext] = [:]
        for a in ac.contexts where a.result == .acceptance { accepted[a.id] = a }
        let channel = MessageChannel(connection: c, peerMaxPDU: ac.maxPDULength)
        do {
            try body(channel, reader, accepted)
        } catch {
            try? c.write(PDUEncoder.encode(.abort(source: 0, reason: 0)))
            throw error
        }
        try c.write(PDUEncoder.encode(.releaseRQ))
        // A peer that closes instead of answering the release has still stored everything it acknowledged.
        if let rp = try? reader.read(from: c), rp != .releaseRP {
            throw NetworkError.unexpectedPDU("\(rp.name) in answer to A-RELEASE-RQ")
        }
    }
}
