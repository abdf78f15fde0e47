/// Decodes one PDU body (the bytes after the six-byte header) into a `PDU`. Every length inside is
/// checked against what is left, so truncated items and absurd lengths throw `malformedPDU`; unknown
/// items in the association PDUs are skipped, as PS3.8 asks.
public enum PDUDecoder {
    public static func decode(type: UInt8, body: [UInt8]) throws -> PDU {
        guard let t = PDUType(rawValue: type) else {
            throw NetworkError.malformedPDU(String(format: "unknown PDU type 0x%02X", type))
        }
        var r = ByteReader(body)
        switch t {
        case .associateRQ, .associateAC:
            return try associate(t, &r)
        case .associateRJ:
            try r.skip(1, "A-ASSOCIATE-RJ")
            let result = try r.u8("A-ASSOCIATE-RJ result"), source = try r.u8("A-ASSOCIATE-RJ source"), reason = try r.u8("A-ASSOCIATE-RJ reason")
            return .associateRJ(AssociateReject(result: result, source: source, reason: reason))
        case .dataTF:
            var pdvs: [PDV] = []
            while r.remaining > 0 {
                let len = try PDV.itemLength(try r.u32("PDV length"), remaining: r.remaining)
                let id = try r.u8("PDV context id")
                let mch = try r.u8("PDV control header")
                let data = try r.take(len - 2, "PDV data")
                pdvs.append(PDV(contextID: id, isCommand: mch & 1 != 0, isLast: mch & 2 != 0, data: data))
            }
            guard !pdvs.isEmpty else { throw NetworkError.malformedPDU("P-DATA-TF without any PDV") }
            return .data(pdvs)
        case .releaseRQ:
            try r.need(4, "A-RELEASE-RQ")
            return .releaseRQ
        case .releaseRP:
            try r.need(4, "A-RELEASE-RP")
            return .releaseRP
        case .abort:
            try r.skip(2, "A-ABORT")
            let source = try r.u8("A-ABORT source"), reason = try r.u8("A-ABORT reason")
            return .abort(source: source, reason: reason)
        }
    }

    private static func associate(_ t: PDUType, _ r: inout ByteReader) throws -> PDU {
        let name = t == .associateRQ ? "A-ASSOCIATE-RQ" : "A-ASSOCIATE-AC"
        let version = try r.u16("\(name) protocol version")
        guard version & 1 == 1 else { throw NetworkError.malformedPDU("\(name): protocol version \(version) lacks version 1") }
        try r.skip(2, name)
        let called = ByteReader.text(try r.take(16, "\(name) called AE title"))
        let calling = ByteReader.text(try r.take(16, "\(name) calling AE title"))
        try r.skip(32, name)
        var appContext: String?
        var proposed: [ProposedContext] = []
        var accepted: [AcceptedContext] = []
        var maxLength: UInt32 = 0
        var classUID = ""
        var version2: String?
        while r.remaining > 0 {
            let type = try r.u8("\(name) item type")
            try r.skip(1, name)
            let len = Int(try r.u16("\(name) item length"))
            try r.need(len, "\(name) item 0x\(String(type, radix: 16))")
            var item = ByteReader(r.bytes, start: r.position, end: r.position + len)
            try r.skip(len, name)
            switch type {
            case ItemType.applicationContext.rawValue:
                appContext = ByteReader.text(try item.take(len, "application context"))
            case ItemType.presentationContextRQ.rawValue where t == .associateRQ:
                let id = try item.u8("presentation context id")
                try item.skip(3, "presentation context")
                var abstract: String?
                var syntaxes: [String] = []
                while item.remaining > 0 {
                    let st = try item.u8("presentation context sub-item type")
                    try item.skip(1, "presentation context sub-item")
                    let sl = Int(try item.u16("presentation context sub-item length"))
                    let v = ByteReader.text(try item.take(sl, "presentation context sub-item"))
                    if st == ItemType.abstractSyntax.rawValue { abstract = v } else if st == ItemType.transferSyntax.rawValue { syntaxes.append(v) }
                }
                guard let a = abstract else { throw NetworkError.malformedPDU("presentation context \(id) has no abstract syntax") }
                proposed.append(ProposedContext(id: id, abstractSyntax: a, transferSyntaxes: syntaxes))
            case ItemType.presentationContextAC.rawValue where t == .associateAC:
                let id = try item.u8("presentation context id")
                try item.skip(1, "presentation context")
                let raw = try item.u8("presentation context result")
                try item.skip(1, "presentation context")
                var ts = ""
                while item.remaining > 0 {
                    let st = try item.u8("presentation context sub-item type")
                    try item.skip(1, "presentation context sub-item")
                    let sl = Int(try item.u16("presentation context sub-item length"))
                    let v = ByteReader.text(try item.take(sl, "presentation context sub-item"))
                    if st == ItemType.transferSyntax.rawValue { ts = v }
                }
                accepted.append(AcceptedContext(id: id, result: AcceptedContext.Result(rawValue: raw) ?? .noReason, transferSyntax: ts))
            case ItemType.userInformation.rawValue:
                while item.remaining > 0 {
                    let st = try item.u8("user information sub-item type")
                    try item.skip(1, "user information sub-item")
                    let sl = Int(try item.u16("user information sub-item length"))
                    var sub = ByteReader(item.bytes, start: item.position, end: item.position + min(sl, item.remaining))
                    try item.skip(sl, "user information sub-item")
                    switch st {
                    case ItemType.maximumLength.rawValue: maxLength = try sub.u32("maximum length")
                    case ItemType.implementationClassUID.rawValue: classUID = ByteReader.text(try sub.take(sl, "implementation class UID"))
                    case ItemType.implementationVersionName.rawValue: version2 = ByteReader.text(try sub.take(sl, "implementation version name"))
                    default: break // asynchronous operations, role selection, extended negotiation, user identity: not used
                    }
                }
            default:
                break
            }
        }
        guard let ac = appContext else { throw NetworkError.malformedPDU("\(name) has no application context") }
        if t == .associateRQ {
            var rq = AssociateRequest(calledAE: called, callingAE: calling, contexts: proposed, maxPDULength: maxLength,
                                      implementationClassUID: classUID, implementationVersion: version2)
            rq.applicationContext = ac
            return .associateRQ(rq)
        }
        var a = AssociateAccept(calledAE: called, callingAE: calling, contexts: accepted, maxPDULength: maxLength,
                                implementationClassUID: classUID, implementationVersion: version2)
        a.applicationContext = ac
        return .associateAC(a)
    }
}

import Foundation
