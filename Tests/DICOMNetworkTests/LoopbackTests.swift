@testable import DICOMNetwork
import Foundation
import ImageCore
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// The SCP and SCU talking to each other over loopback: echo, store, refusals, and an SCP that keeps
/// serving after garbage, a vanished peer and an over-limit instance.
final class LoopbackTests: XCTestCase {
    final class Received: @unchecked Sendable {
        let lock = NSLock()
        var instances: [ReceivedInstance] = []
        var logs: [String] = []
        func add(_ i: ReceivedInstance) { lock.lock(); instances.append(i); lock.unlock() }
        func log(_ s: String) { lock.lock(); logs.append(s); lock.unlock() }
        var count: Int { lock.lock(); defer { lock.unlock() }; return instances.count }
        var allLogs: String { lock.lock(); defer { lock.unlock() }; return logs.joined(separator: "\n") }
    }

    func startSCP(_ limits: NetworkLimits = NetworkLimits()) throws -> (StorageSCP, Int, Received) {
        let got = Received()
        let scp = StorageSCP(configuration: SCPConfiguration(aeTitle: "NODE", limits: limits),
                             store: { got.add($0); return .success }, log: { got.log($0) })
        let port = try scp.start(port: 0, host: "127.0.0.1")
        return (scp, port, got)
    }

    /// A small Part 10 file (no pixel data needed: the SCP stores what it is given).
    func part10(_ dir: URL, sop: String, bodyBytes: Int = 64) throws -> URL {
        var body: [UInt8] = [0x08, 0x00, 0x18, 0x00, UInt8(sop.utf8.count + sop.utf8.count % 2), 0, 0, 0] + Array(sop.utf8)
        if sop.utf8.count % 2 == 1 { body.append(0) }
        let pad = max(bodyBytes - body.count - 8, 0)
        body += [0x09, 0x00, 0x10, 0x00] + withUnsafeBytes(of: UInt32(pad).littleEndian, Array.init) + [UInt8](repeating: 0x41, count: pad)
        let url = dir.appendingPathComponent("\(sop).dcm")
        try Data(Part10.header(sopClassUID: StorageClasses.ctImage, sopInstanceUID: sop, transferSyntaxUID: "1.2.840.10008.1.2", sourceAE: "") + body).write(to: url)
        return url
    }

    func tempDir() throws -> URL {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("dicomnet-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: d) }
        return d
    }

    func testEchoAndStore() throws {
        let (scp, port, got) = try startSCP()
        defer { scp.stop() }
        let scu = StorageSCU(callingAE: "TEST", peer: DICOMPeer(aeTitle: "NODE", host: "127.0.0.1", port: port))
        try scu.echo()
        let dir = try tempDir()
        let files = try (1...5).map { try part10(dir, sop: "1.2.3.\($0)", bodyBytes: $0 == 5 ? 3_000_000 : 100) }
        let results = try scu.store(files)
        XCTAssertTrue(results.allSatisfy(\.succeeded), "\(results.map { $0.error ?? "ok" })")
        XCTAssertEqual(got.count, 5)
        let big = got.instances.first { $0.sopInstanceUID == "1.2.3.5" }!
        let original = try Data(contentsOf: files[4])
        let offset = try original.withUnsafeBytes { try Part10.meta(of: $0, name: "x") }.dataSetOffset
        XCTAssertEqual(Array(big.dataSet), Array(original[offset...]), "a data set split over many PDUs arrives byte for byte")
        XCTAssertEqual(big.callingAE, "TEST")
    }

    func testWrongCalledAEIsRejected() throws {
        let (scp, port, _) = try startSCP()
        defer { scp.stop() }
        let scu = StorageSCU(callingAE: "TEST", peer: DICOMPeer(aeTitle: "OTHER", host: "127.0.0.1", port: port))
        XCTAssertThrowsError(try scu.echo()) { e in
            XCTAssertEqual(e as? NetworkError, .associationRejected(result: 1, source: 1, reason: 7))
        }
    }

    func testOversizedInstanceIsRefusedAndTheAssociationGoesOn() throws {
        var limits = NetworkLimits()
        limits.maxInstanceBytes = 10_000
        let (scp, port, got) = try startSCP(limits)
        defer { scp.stop() }
        let dir = try tempDir()
        let files = [try part10(dir, sop: "1.1", bodyBytes: 50_000), try part10(dir, sop: "1.2", bodyBytes: 500)]
        let results = try StorageSCU(callingAE: "T", peer: DICOMPeer(aeTitle: "NODE", host: "127.0.0.1", port: port)).store(files)
        XCTAssertEqual(results[0].status, DIMSEStatus.refusedOutOfResources)
        XCTAssertTrue(results[1].succeeded)
        XCTAssertEqual(got.instances.map(\.sopInstanceUID), ["1.2"])
        XCTAssertTrue(got.allLogs.contains("larger than the instance limit"))
    }

    /// Records what the SCP streams: the bytes, in how many pieces, and whether it was cancelled.
    final class RecordingStream: DataSetStream, @unchecked Sendable {
        let lock = NSLock()
        var bytes: [UInt8] = []
        var pieces = 0
        var cancelled = false
        func append(_ b: UnsafeRawBufferPointer) { lock.lock(); bytes += b; pieces += 1; lock.unlock() }
        func cancel() { lock.lock(); cancelled = true; lock.unlock() }
    }

    func testDataSetsAreStreamedWhileTheyArriveAndCancelledOverTheLimit() throws {
        var limits = NetworkLimits()
        limits.maxPDULength = 16384             // many PDVs per data set, as storescu sends them
        limits.maxInstanceBytes = 2_500_000
        let got = Received()
        let streams = Locked([String: RecordingStream]())
        let scp = StorageSCP(configuration: SCPConfiguration(aeTitle: "NODE", limits: limits),
                             store: { got.add($0); return .success },
                             open: { r in let s = RecordingStream(); streams.withLock { $0[r.sopInstanceUID] = s }; return s },
                             log: { got.log($0) })
        let port = try scp.start(port: 0, host: "127.0.0.1")
        defer { scp.stop() }
        let dir = try tempDir()
        let files = [try part10(dir, sop: "1.1", bodyBytes: 2_000_000), try part10(dir, sop: "1.2", bodyBytes: 3_000_000),
                     try part10(dir, sop: "1.3", bodyBytes: 100)]
        let results = try StorageSCU(callingAE: "T", peer: DICOMPeer(aeTitle: "NODE", host: "127.0.0.1", port: port)).store(files)
        XCTAssertEqual(results.map(\.status), [DIMSEStatus.success, DIMSEStatus.refusedOutOfResources, DIMSEStatus.success])
        let s = streams.current
        for sop in ["1.1", "1.3"] {
            let r = try XCTUnwrap(got.instances.first { $0.sopInstanceUID == sop })
            XCTAssertEqual(s[sop]?.bytes, Array(r.dataSet), "the stream got the whole data set, in order")
            XCTAssertTrue(r.stream === s[sop], "the store callback gets its stream back")
            XCTAssertFalse(s[sop]!.cancelled)
        }
        XCTAssertGreaterThan(s["1.1"]!.pieces, 10, "handed over in chunks while arriving, not once at the end")
        XCTAssertTrue(s["1.2"]!.cancelled, "an instance over the limit has its stream cancelled")
        XCTAssertEqual(got.instances.map(\.sopInstanceUID), ["1.1", "1.3"])
    }

    func rawConnection(_ port: Int) throws -> Connection {
        try Connection.connect(host: "127.0.0.1", port: port, timeout: 5)
    }

    func testGarbageAndVanishedPeersDoNotStopTheSCP() throws {
        var limits = NetworkLimits()
        limits.idleTimeout = 1
        limits.maxPDULength = 16384
        let (scp, port, got) = try startSCP(limits)
        defer { scp.stop() }
        let streams: [[UInt8]] = [
            [0x01, 0x00, 0xFF, 0xFF, 0xFF, 0xFF],               // absurd length
            [0x01, 0x00, 0x00, 0x00, 0x00, 0x50, 1, 2, 3],      // truncated, then silence
            [0x09, 0x00, 0x00, 0x00, 0x00, 0x04, 0, 0, 0, 0],   // unknown type
            [0x04, 0x00, 0x00, 0x00, 0x00, 0x08, 0, 0, 0, 4, 1, 3, 0, 0],  // P-DATA before association
            Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8),
            (0..<5000).map { _ in UInt8.random(in: 0...255) },
        ]
        var held: [Connection] = []
        for s in streams {
            let c = try rawConnection(port)
            try? c.write(s)
            held.append(c)
        }
        // A peer that connects and never sends a byte.
        held.append(try rawConnection(port))
        // Meanwhile normal traffic works.
        let scu = StorageSCU(callingAE: "T", peer: DICOMPeer(aeTitle: "NODE", host: "127.0.0.1", port: port))
        try scu.echo()
        let dir = try tempDir()
        XCTAssertTrue(try scu.store([try part10(dir, sop: "9.9")]).allSatisfy(\.succeeded))
        // Every bad connection is closed by the SCP within the idle timeout (reads end: abort or EOF).
        let deadline = Date().addingTimeInterval(8)
        while scp.activeAssociations > 0 && Date() < deadline { usleep(50_000) }
        XCTAssertEqual(scp.activeAssociations, 0, "a garbage or silent connection still holds a thread")
        for c in held {
            c.setTimeout(3)
            var sawEnd = false
            for _ in 0..<100 {
                do { _ = try c.readBytes(1) } catch { sawEnd = !(error is NetworkError && "\(error)".contains("timed out")); break }
            }
            XCTAssertTrue(sawEnd, "connection \(c.peer) was not closed by the SCP")
        }
        XCTAssertEqual(got.count, 1)
        try scu.echo()
    }

    func testTooManyAssociationsAreRejectedAsTransient() throws {
        var limits = NetworkLimits()
        limits.maxAssociations = 1
        limits.idleTimeout = 3
        let (scp, port, _) = try startSCP(limits)
        defer { scp.stop() }
        let hog = try rawConnection(port)  // holds the only slot until the idle timeout
        defer { hog.close() }
        usleep(200_000)
        let scu = StorageSCU(callingAE: "T", peer: DICOMPeer(aeTitle: "NODE", host: "127.0.0.1", port: port))
        XCTAssertThrowsError(try scu.echo()) { e in
            XCTAssertEqual(e as? NetworkError, .associationRejected(result: 2, source: 3, reason: 2))
        }
    }
}
