/// Encodes PDUs into the bytes sent on the wire (PS3.8 9.3). Headers are built here; P-DATA bodies
/// are appended as given, so a data set is copied once, into the outgoing PDU.
public enum PDUEncoder {
    public static func encode(_ pdu: PDU) -> [UInt8] {
        switch pdu {
        case .associateRQ(let rq):
            var items = ByteWriter(capacity: 512)
            items.item(ItemType.applicationContext.rawValue, Array(rq.applicationContext.utf8))
            for c in rq.contexts {
                var sub = ByteWriter()
                sub.u8(c.id); sub.zeros(3)
                sub.item(ItemType.abstractSyntax.rawValue, Array(c.abstractSyntax.utf8))
                for ts in c.transferSyntaxes { sub.item(ItemType.transferSyntax.rawValue, Array(ts.utf8)) }
                items.item(ItemType.presentationContextRQ.rawValue, sub.bytes)
            }
            items.item(ItemType.userInformation.rawValue, userInformation(rq.maxPDULength, rq.implementationClassUID, rq.implementationVersion))
            return associate(.associateRQ, called: rq.calledAE, calling: rq.callingAE, items: items.bytes)
        case .associateAC(let ac):
            var items = ByteWriter(capacity: 512)
            items.item(ItemType.applicationContext.rawValue, Array(ac.applicationContext.utf8))
            for c in ac.contexts {
                var sub = ByteWriter()
                sub.u8(c.id); sub.u8(0); sub.u8(c.result.rawValue); sub.u8(0)
                sub.item(ItemType.transferSyntax.rawValue, Array(c.transferSyntax.utf8))
                items.item(ItemType.presentationContextAC.rawValue, sub.bytes)
            }
            items.item(ItemType.userInformation.rawValue, userInformation(ac.maxPDULength, ac.implementationClassUID, ac.implementationVersion))
            return associate(.associateAC, called: ac.calledAE, calling: ac.callingAE, items: items.bytes)
        case .associateRJ(let rj):
            return fixed(.associateRJ, [0, rj.result, rj.source, rj.reason])
        case .data(let pdvs):
            var w = ByteWriter(capacity: 6 + pdvs.reduce(0) { $0 + 6 + $1.data.count })
            w.u8(PDUType.dataTF.rawValue); w.u8(0)
            w.u32(UInt32(pdvs.reduce(0) { $0 + 6 + $1.data.count }))
            for p in pdvs {
                w.u32(UInt32(p.data.count + 2))
                w.u8(p.contextID)
                w.u8((p.isCommand ? 1 : 0) | (p.isLast ? 2 : 0))
                w.append(p.data)
            }
            return w.bytes
        case .releaseRQ: return fixed(.releaseRQ, [0, 0, 0, 0])
        case .releaseRP: return fixed(.releaseRP, [0, 0, 0, 0])
        case .abort(let source, let reason): return fixed(.abort, [0, 0, source, reason])
        }
    }

    /// The six-byte header of a P-DATA-TF holding one PDV of `dataCount` bytes, followed by that PDV's
    /// own header: lets a sender write a large fragment straight from its buffer without building a PDU.
    public static func singlePDVHeader(contextID: UInt8, isCommand: Bool, isLast: Bool, dataCount: Int) -> [UInt8] {
        var w = ByteWriter(capacity: 12)
        w.u8(PDUType.dataTF.rawValue); w.u8(0)
        w.u32(UInt32(dataCount + 6))
        w.u32(UInt32(dataCount + 2))
        w.u8(contextID)
        w.u8((isCommand ? 1 : 0) | (isLast ? 2 : 0))
        return w.bytes
    }

    private static func fixed(_ type: PDUType, _ body: [UInt8]) -> [UInt8] {
        var w = ByteWriter(capacity: 6 + body.count)
        w.u8(type.rawValue); w.u8(0); w.u32(UInt32(body.count)); w.append(body)
        return w.bytes
    }

    private static func associate(_ type: PDUType, called: String, calling: String, items: [UInt8]) -> [UInt8] {
        var w = ByteWriter(capacity: 74 + items.count)
        w.u8(type.rawValue); w.u8(0)
        w.u32(UInt32(68 + items.count))
        w.u16(1); w.zeros(2)
        w.aeTitle(called); w.aeTitle(calling)
        w.zeros(32)
        w.append(items)
        return w.bytes
    }

    private static func userInformation(_ maxLength: UInt32, _ classUID: String, _ version: String?) -> [UInt8] {
        var u = ByteWriter()
        var ml = ByteWriter(); ml.u32(maxLength)
        u.item(ItemType.maximumLength.rawValue, ml.bytes)
        u.item(ItemType.implementationClassUID.rawValue, Array(classUID.utf8))
        if let v = version { u.item(ItemType.implementationVersionName.rawValue, Array(v.utf8.prefix(16))) }
        return u.bytes
    }
}
