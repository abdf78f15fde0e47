import Foundation
import ImageCore
import XCTest

/// FIPS 180-4 / NIST example vectors, block-boundary lengths, streaming, and agreement with the
/// system's sha256sum on a real file.
final class SHA256Tests: XCTestCase {
    func testFIPSVectors() {
        XCTAssertEqual(SHA256.hex(of: Array("abc".utf8)), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(SHA256.hex(of: [UInt8]()), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(SHA256.hex(of: Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)),
                       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        XCTAssertEqual(SHA256.hex(of: Array("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu".utf8)),
                       "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1")
        XCTAssertEqual(SHA256.hex(of: [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)),
                       "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    /// Feeding the same bytes in uneven pieces gives the one-shot digest (padding across block edges).
    func testStreamingEqualsOneShot() {
        for length in [55, 56, 63, 64, 65, 119, 120, 128, 1000] {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
            var h = SHA256()
            var start = 0
            var step = 1
            while start < bytes.count {
                let end = min(bytes.count, start + step)
                h.update(bytes[start..<end])
                start = end
                step = step * 3 % 17 + 1
            }
            XCTAssertEqual(h.finalize().map { String(format: "%02x", $0) }.joined(), SHA256.hex(of: bytes), "length \(length)")
        }
    }

    func testMatchesSha256sumOnAFile() throws {
        let url: URL
        if let t = DataPaths(environment: ProcessInfo.processInfo.environment).templateDirectory?.appendingPathComponent("template_2mm.nii.gz"),
           FileManager.default.fileExists(atPath: t.path) {
            url = t
        } else {
            url = FileManager.default.temporaryDirectory.appendingPathComponent("sha-\(UUID().uuidString)")
            try Data((0..<3_000_000).map { UInt8(truncatingIfNeeded: $0 &* 2654435761 >> 13) }).write(to: url)
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["sha256sum", url.path]
        let out = Pipe()
        p.standardOutput = out
        do { try p.run() } catch { throw XCTSkip("sha256sum not available") }
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        let expected = String(text.prefix(64))
        XCTAssertEqual(try SHA256.hex(ofFile: url), expected)
    }
}
