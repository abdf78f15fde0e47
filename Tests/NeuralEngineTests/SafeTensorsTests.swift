import Foundation
import NeuralEngine
import XCTest

final class SafeTensorsTests: XCTestCase {
    func testRoundTripIsBitIdentical() throws {
        var rng = RandomSource(seed: 3)
        var st = SafeTensors()
        st.metadata = ["format": "pt"]
        st.set("a.weight", rng.tensor([3, 4, 1, 1, 1]))
        st.set("a.bias", Tensor(shape: [3], data: [0, -0.0, .leastNonzeroMagnitude]))
        st.set("bn.num_batches_tracked", int64: [Int64.max - 5], shape: [])
        let bytes = st.serialized()
        let back = try SafeTensors.parse(bytes)
        XCTAssertEqual(back.names, st.names)
        XCTAssertEqual(back.metadata, ["format": "pt"])
        XCTAssertEqual(try back.tensor("a.weight"), try st.tensor("a.weight"))
        XCTAssertEqual(try back.int64s("bn.num_batches_tracked"), [Int64.max - 5])
        XCTAssertEqual((try back.tensor("a.bias")).data.map(\.bitPattern), [0, (-0.0 as Float).bitPattern, 1])
        XCTAssertEqual(back.serialized(), bytes, "write(read(x)) == x")
        // The data section starts 8-aligned, as the format asks.
        let headerLength = bytes.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        XCTAssertEqual(headerLength % 8, 0)
    }

    func testFileWriteIsAtomicAndReadable() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("st-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        var st = SafeTensors()
        st.set("x", Tensor(shape: [2, 2], data: [1, 2, 3, 4]))
        let url = dir.appendingPathComponent("m.safetensors")
        try st.write(to: url)
        XCTAssertEqual(try SafeTensors.read(url).serialized(), st.serialized())
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["m.safetensors"])
    }

    func testMalformedFilesAreErrorsNotCrashes() {
        var good = SafeTensors()
        good.set("x", Tensor(shape: [2], data: [1, 2]))
        let bytes = good.serialized()
        let cases: [Data] = [
            Data(), Data([1, 2, 3]),
            Data([255, 255, 255, 255, 0, 0, 0, 0]) + Data(count: 16),
            bytes.prefix(bytes.count - 1),                       // truncated data
            Data([2, 0, 0, 0, 0, 0, 0, 0]) + Data("[]".utf8),     // header not an object
            { var d = bytes; d[8 + 10] = UInt8(ascii: "Q"); return d }(),
        ]
        for (i, d) in cases.enumerated() {
            XCTAssertThrowsError(try SafeTensors.parse(d), "case \(i)")
        }
        XCTAssertThrowsError(try good.tensor("missing"))
        XCTAssertThrowsError(try good.int64s("x"))
    }
}
