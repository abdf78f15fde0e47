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

    /// F16 storage: IEEE half bit patterns (checked against known encodings), values representable in
    /// half come back exactly, others within half a unit in the last place (relative 2^-11); BF16 reads
    /// as the top 16 bits of a Float32.
    func testHalfPrecisionStorage() throws {
        var st = SafeTensors()
        st.set("h", Tensor(shape: [5], data: [1, -2, 0.5, 65504, 0.1]), dtype: .f16)
        XCTAssertEqual(st["h"]?.dtype, .f16)
        XCTAssertEqual(st["h"]?.bytes.count, 10)
        let bits = st["h"]!.bytes.withUnsafeBytes { Array($0.bindMemory(to: UInt16.self)) }.map { UInt16(littleEndian: $0) }
        XCTAssertEqual(Array(bits.prefix(4)), [0x3C00, 0xC000, 0x3800, 0x7BFF])
        let back = try SafeTensors.parse(st.serialized()).tensor("h").data
        XCTAssertEqual(Array(back.prefix(4)), [1, -2, 0.5, 65504])
        XCTAssertEqual(back[4], 0.1, accuracy: 0.1 * 0x1p-11)
        var rng = RandomSource(seed: 9)
        let t = rng.tensor([64])
        var r = SafeTensors()
        r.set("w", t, dtype: .f16)
        for (a, b) in zip(try r.tensor("w").data, t.data) { XCTAssertEqual(a, b, accuracy: abs(b) * 0x1p-11 + 0x1p-24) }
        // BF16: 0x3F80 is 1.0, 0xC040 is -3.0.
        let bf = Data([0x80, 0x3F, 0x40, 0xC0])
        var header = Data("{\"b\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[0,4]}}".utf8)
        while (header.count + 8) % 8 != 0 { header.append(0x20) }
        var file = Data()
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { file.append(contentsOf: $0) }
        file.append(header)
        file.append(bf)
        XCTAssertEqual(try SafeTensors.parse(file).tensor("b").data, [1, -3])
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
