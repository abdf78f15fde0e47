@testable import DICOMNetwork
import XCTest

/// Every PDU type encodes and decodes back to the same value, with the byte layout PS3.8 fixes.
final class PDURoundTripTests: XCTestCase {
    let reader = PDUReader(limits: NetworkLimits())

    func roundTrip(_ pdu: PDU, file: StaticString = #filePath, line: UInt = #line) throws {
        let bytes = PDUEncoder.encode(pdu)
        let (back, consumed) = try reader.decode(bytes)
        XCTAssertEqual(consumed, bytes.count, file: file, line: line)
        XCTAssertEqual(back, pdu, file: file, line: line)
    }

    func testAssociateRequestRoundTrip() throws {
        let rq = AssociateRequest(calledAE: "DEEPSTROKE", callingAE: "MODALITY",
                                  contexts: [ProposedContext(id: 1, abstractSyntax: StorageClasses.verification, transferSyntaxes: ["1.2.840.10008.1.2"]),
                                             ProposedContext(id: 3, abstractSyntax: StorageClasses.ctImage,
                                                             transferSyntaxes: ["1.2.840.10008.1.2.1", "1.2.840.10008.1.2"])],
                                  maxPDULength: 16384)
        try roundTrip(.associateRQ(rq))
        let bytes = PDUEncoder.encode(.associateRQ(rq))
        XCTAssertEqual(bytes[0], 0x01)
        XCTAssertEqual(Array(bytes[6..<8]), [0, 1], "protocol version 1")
        XCTAssertEqual(String(decoding: bytes[10..<26], as: UTF8.self), "DEEPSTROKE      ", "called AE, space padded to 16")
        let length = Int(bytes[2]) << 24 | Int(bytes[3]) << 16 | Int(bytes[4]) << 8 | Int(bytes[5])
        XCTAssertEqual(length, bytes.count - 6)
    }

    func testAssociateAcceptRoundTrip() throws {
        let ac = AssociateAccept(calledAE: "DEEPSTROKE", callingAE: "MODALITY",
                                 contexts: [AcceptedContext(id: 1, result: .acceptance, transferSyntax: "1.2.840.10008.1.2.1"),
                                            AcceptedContext(id: 3, result: .abstractSyntaxNotSupported, transferSyntax: "1.2.840.10008.1.2")],
                                 maxPDULength: 1 << 20)
        try roundTrip(.associateAC(ac))
    }

    func testFixedPDUsRoundTrip() throws {
        try roundTrip(.associateRJ(.calledAENotRecognized))
        try roundTrip(.releaseRQ)
        try roundTrip(.releaseRP)
        try roundTrip(.abort(source: 2, reason: 6))
        XCTAssertEqual(PDUEncoder.encode(.releaseRQ), [5, 0, 0, 0, 0, 4, 0, 0, 0, 0])
        XCTAssertEqual(PDUEncoder.encode(.abort(source: 2, reason: 1)), [7, 0, 0, 0, 0, 4, 0, 0, 2, 1])
    }

    func testDataPDURoundTripWithSeveralPDVs() throws {
        let a: [UInt8] = Array(0..<200), b: [UInt8] = [9, 8, 7]
        try roundTrip(.data([PDV(contextID: 1, isCommand: true, isLast: true, data: a[...]),
                             PDV(contextID: 1, isCommand: false, isLast: false, data: b[...])]))
        let single = PDUEncoder.singlePDVHeader(contextID: 5, isCommand: false, isLast: true, dataCount: b.count) + b
        let (pdu, _) = try reader.decode(single)
        XCTAssertEqual(pdu, .data([PDV(contextID: 5, isCommand: false, isLast: true, data: b[...])]))
    }

    func testCommandSetRoundTrip() throws {
        var c = DIMSECommand()
        c.commandField = DIMSECommand.Field.cStoreRQ.rawValue
        c.messageID = 7
        c.priority = 0
        c.dataSetType = 0
        c.affectedSOPClassUID = StorageClasses.ctImage
        c.affectedSOPInstanceUID = "1.2.3.45"
        let bytes = c.encode()
        XCTAssertEqual(Array(bytes[0..<8]), [0, 0, 0, 0, 4, 0, 0, 0], "group length first, implicit VR")
        let back = try DIMSECommand.decode(bytes)
        XCTAssertEqual(back.affectedSOPClassUID, StorageClasses.ctImage)
        XCTAssertEqual(back.affectedSOPInstanceUID, "1.2.3.45")
        XCTAssertEqual(back.messageID, 7)
        XCTAssertTrue(back.hasDataSet)
        let rsp = back.response(status: 0xA700, comment: "inbox full")
        XCTAssertEqual(rsp.commandField, 0x8001)
        XCTAssertEqual(rsp.messageIDBeingRespondedTo, 7)
        XCTAssertFalse(rsp.hasDataSet)
        XCTAssertEqual(try DIMSECommand.decode(rsp.encode()).errorComment, "inbox full")
    }

    func testPart10HeaderGivesBackItsMeta() throws {
        let h = Part10.header(sopClassUID: StorageClasses.ctImage, sopInstanceUID: "1.2.3.4.5", transferSyntaxUID: "1.2.840.10008.1.2", sourceAE: "CT1")
        let file = h + [0x08, 0x00, 0x16, 0x00, 0x02, 0x00, 0x00, 0x00, 0x31, 0x00]
        let m = try file.withUnsafeBytes { try Part10.meta(of: $0, name: "x") }
        XCTAssertEqual(m.sopClassUID, StorageClasses.ctImage)
        XCTAssertEqual(m.sopInstanceUID, "1.2.3.4.5")
        XCTAssertEqual(m.transferSyntaxUID, "1.2.840.10008.1.2")
        XCTAssertEqual(m.dataSetOffset, h.count)
    }

    func testPeerAddressParsing() throws {
        XCTAssertEqual(try DICOMPeer(parsing: "PACS@127.0.0.1:4242"), DICOMPeer(aeTitle: "PACS", host: "127.0.0.1", port: 4242))
        XCTAssertEqual(try DICOMPeer(parsing: "A B@pacs.example:104").host, "pacs.example")
        for bad in ["PACS", "PACS@host", "PACS@host:0", "PACS@host:x", "@host:104", "WAYTOOLONGAETITLE17@h:1", "PACS@:104"] {
            XCTAssertThrowsError(try DICOMPeer(parsing: bad), bad)
        }
    }
}
