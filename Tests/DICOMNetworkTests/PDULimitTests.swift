@testable import DICOMNetwork
import XCTest

/// Malformed and hostile PDUs are refused with an error naming the problem; none traps, none makes
/// the reader allocate what a length field claims before the limit is checked.
final class PDULimitTests: XCTestCase {
    var limits: NetworkLimits {
        var l = NetworkLimits()
        l.maxPDULength = 16384
        return l
    }

    func header(_ type: UInt8, _ length: UInt32) -> [UInt8] {
        [type, 0, UInt8(length >> 24), UInt8((length >> 16) & 0xFF), UInt8((length >> 8) & 0xFF), UInt8(length & 0xFF)]
    }

    func testAbsurdLengthIsRefusedFromTheHeader() {
        let r = PDUReader(limits: limits)
        XCTAssertThrowsError(try r.checkHeader(header(4, 0xFFFF_FFFF))) { e in
            XCTAssertEqual(e as? NetworkError, .pduTooLong(length: 0xFFFF_FFFF, limit: 16384))
        }
        XCTAssertThrowsError(try r.checkHeader(header(1, 1 << 20))) { e in
            guard case .pduTooLong? = e as? NetworkError else { return XCTFail("\(e)") }
        }
        XCTAssertNoThrow(try r.checkHeader(header(4, 16384)))
    }

    func testUnknownTypeAndWrongFixedLengthAreMalformed() {
        let r = PDUReader(limits: limits)
        for h in [header(0x08, 4), header(0x00, 0), header(0xFF, 10), header(5, 6), header(7, 0)] {
            XCTAssertThrowsError(try r.checkHeader(h)) { e in
                guard case .malformedPDU? = e as? NetworkError else { return XCTFail("\(h): \(e)") }
            }
        }
    }

    func testTruncatedPDUsAreMalformed() throws {
        let r = PDUReader(limits: limits)
        let rq = PDUEncoder.encode(.associateRQ(AssociateRequest(calledAE: "A", callingAE: "B",
            contexts: [ProposedContext(id: 1, abstractSyntax: StorageClasses.ctImage, transferSyntaxes: ["1.2.840.10008.1.2"])], maxPDULength: 0)))
        for cut in [0, 3, 6, 20, 74, rq.count - 1] {
            XCTAssertThrowsError(try r.decode(Array(rq[0..<cut])), "cut at \(cut)")
        }
        // A header whose length is honest about a body that is itself inconsistent.
        var lying = rq
        lying[6 + 68 + 2] = 0xFF  // application context item claims 65,000 bytes
        XCTAssertThrowsError(try r.decode(lying))
        // PDV length shorter than its own header, and longer than the PDU.
        XCTAssertThrowsError(try r.decode(header(4, 4) + [0, 0, 0, 1]))
        XCTAssertThrowsError(try r.decode(header(4, 8) + [0, 0, 0, 100, 1, 3, 0, 0]))
        XCTAssertThrowsError(try r.decode(header(4, 0)))
    }

    func testMalformedCommandSets() {
        XCTAssertThrowsError(try DIMSECommand.decode([0, 0, 0, 0, 4, 0]))                        // truncated header
        XCTAssertThrowsError(try DIMSECommand.decode([0, 0, 0, 1, 0xFF, 0xFF, 0xFF, 0x7F, 1]))   // length past the end
        XCTAssertThrowsError(try DIMSECommand.decode([8, 0, 0x16, 0, 0, 0, 0, 0]))                 // not group 0000
        XCTAssertThrowsError(try DIMSECommand.decode([0, 0, 0x10, 1, 2, 0, 0, 0, 1, 0]))           // message id, no command field
    }

    /// Random bytes and random mutations of valid PDUs: every input either decodes or throws.
    func testFuzzedStreamsNeverTrap() {
        var rng = SystemRandomNumberGenerator()
        let r = PDUReader(limits: limits)
        let seeds: [[UInt8]] = [
            PDUEncoder.encode(.associateRQ(AssociateRequest(calledAE: "DEEPSTROKE", callingAE: "X",
                contexts: [ProposedContext(id: 1, abstractSyntax: StorageClasses.ctImage, transferSyntaxes: ["1.2.840.10008.1.2", "1.2.840.10008.1.2.1"])],
                maxPDULength: 16384))),
            PDUEncoder.encode(.associateAC(AssociateAccept(calledAE: "A", callingAE: "B",
                contexts: [AcceptedContext(id: 1, result: .acceptance, transferSyntax: "1.2.840.10008.1.2")], maxPDULength: 0))),
            PDUEncoder.encode(.data([PDV(contextID: 1, isCommand: true, isLast: true, data: ArraySlice(DIMSECommand().response(status: 0).encode()))])),
            PDUEncoder.encode(.abort(source: 0, reason: 0)),
        ]
        var decoded = 0, refused = 0
        for i in 0..<20000 {
            var bytes: [UInt8]
            if i % 4 == 0 {
                bytes = (0..<Int.random(in: 0...300, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
                if bytes.count > 0 { bytes[0] = UInt8.random(in: 1...7, using: &rng) }
            } else {
                bytes = seeds[i % seeds.count]
                for _ in 0..<Int.random(in: 1...6, using: &rng) {
                    bytes[Int.random(in: 0..<bytes.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
                }
                if Bool.random(using: &rng) { bytes = Array(bytes.prefix(Int.random(in: 0...bytes.count, using: &rng))) }
            }
            do {
                let (pdu, _) = try r.decode(bytes)
                if case .data(let pdvs) = pdu { for p in pdvs where p.isCommand { _ = try? DIMSECommand.decode(p.data) } }
                decoded += 1
            } catch is NetworkError {
                refused += 1
            } catch {
                XCTFail("unexpected error type: \(error)")
            }
        }
        XCTAssertEqual(decoded + refused, 20000)
        XCTAssertGreaterThan(refused, 5000, "most mutated PDUs must be refused")
        XCTAssertGreaterThan(decoded, 100, "mutations of payload bytes still decode")
    }
}
