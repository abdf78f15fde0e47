import Foundation
import ImageCore
import NIfTI
import XCTest

/// Every malformed file gives a specific NIfTIError naming the file; nothing crashes, nothing huge is
/// allocated, and failed writes leave no file behind.
final class BadInputTests: XCTestCase {
    var dir: URL!
    override func setUpWithError() throws { dir = try makeTempDir() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    private func save(_ bytes: [UInt8], _ name: String) throws -> URL {
        let url = dir.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url
    }

    /// Runs every public read path and checks each throws the expected case, mentioning the file.
    private func expectError(_ url: URL, _ matches: (NIfTIError) -> Bool, _ text: String,
                             file: StaticString = #filePath, line: UInt = #line) {
        let paths: [(String, () throws -> Void)] = [
            ("read", { _ = try NIfTIFile.read(url) }),
            ("readVolume", { _ = try NIfTIFile.readVolume(url, as: Float.self) }),
        ]
        for (name, body) in paths {
            do {
                try body()
                XCTFail("\(name) accepted \(url.lastPathComponent)", file: file, line: line)
            } catch let e as NIfTIError {
                XCTAssertTrue(matches(e), "\(name): unexpected \(e)", file: file, line: line)
                XCTAssertTrue(e.description.contains(url.path), "\(name): message lacks the file: \(e)", file: file, line: line)
                XCTAssertTrue(e.description.contains(text), "\(name): message lacks '\(text)': \(e)", file: file, line: line)
                XCTAssertFalse(e.description.contains("\n"), "one-line message", file: file, line: line)
            } catch {
                XCTFail("\(name): not a NIfTIError: \(error)", file: file, line: line)
            }
        }
    }

    private func validFile(dims: [Int] = [4, 3, 2]) -> [UInt8] {
        let raw = RawNIfTI1(dims: dims, datatype: 16, bitpix: 32)
        return raw.file(payload: [UInt8](repeating: 0x41, count: dims.reduce(1, *) * 4), scalarSize: 4)
    }

    func testMissingFile() {
        expectError(dir.appendingPathComponent("none.nii"), { $0.kind == .io }, "cannot open")
    }

    func testEmptyAndTinyFiles() throws {
        expectError(try save([], "empty.nii"), { $0.kind == .truncated }, "only 0 bytes")
        expectError(try save([0x5c, 1], "two.nii"), { $0.kind == .truncated }, "only 2 bytes")
    }

    func testTruncatedHeader() throws {
        expectError(try save(Array(validFile().prefix(200)), "th.nii"), { $0.kind == .truncated }, "inside the 348-byte")
        let gz = try systemGzip(Array(validFile().prefix(200)), in: dir)
        expectError(try save(gz, "th.nii.gz"), { $0.kind == .truncated }, "inside the 348-byte")
    }

    func testTruncatedData() throws {
        let full = validFile()
        expectError(try save(Array(full.dropLast(5)), "td.nii"), { $0.kind == .truncated }, "holds only 91")
        // gzip of the complete file, then cut: the stream ends early.
        let gz = try systemGzip(full, in: dir)
        expectError(try save(Array(gz.prefix(gz.count - 12)), "td.nii.gz"), { $0.kind == .truncated }, "ends")
        // gzip of a short file (complete stream, too little data).
        let shortGz = try systemGzip(Array(full.dropLast(8)), in: dir)
        expectError(try save(shortGz, "short.nii.gz"), { $0.kind == .truncated }, "voxel data ends after 88 of the 96 bytes")
    }

    func testWrongMagicAndSize() throws {
        var f = validFile()
        f.replaceSubrange(344..<348, with: Array("abc\0".utf8))
        expectError(try save(f, "magic.nii"), { $0.kind == .notNIfTI }, "magic is \"abc\"")
        f.replaceSubrange(344..<348, with: Array("ni1\0".utf8))
        expectError(try save(f, "pair.nii"), { $0.kind == .notNIfTI }, "two-file")
        var g = validFile()
        g.replaceSubrange(0..<4, with: [0x00, 0x02, 0x00, 0x00])  // 512
        expectError(try save(g, "size.nii"), { $0.kind == .notNIfTI }, "neither 348")
        expectError(try save(Array("this is a text file, not an image at all.......".utf8), "text.nii"),
                    { $0.kind == .notNIfTI }, "sizeof_hdr")
    }

    func testBadDims() throws {
        for (dims, text) in [([4, 0, 2], "dim[2] is 0"), ([4, -3, 2], "dim[2] is -3")] {
            let raw = RawNIfTI1(dims: dims, datatype: 16, bitpix: 32)
            expectError(try save(raw.file(payload: [], scalarSize: 4), "d.nii"), { $0.kind == .invalidHeader }, text)
        }
        var eight = RawNIfTI1(dims: [2, 2], datatype: 16, bitpix: 32)
        eight.i16(40, 8)
        expectError(try save(eight.bytes, "d8.nii"), { $0.kind == .invalidHeader }, "dim[0] is 8")
        var zero = RawNIfTI1(dims: [2, 2], datatype: 16, bitpix: 32)
        zero.i16(40, 0)
        expectError(try save(zero.bytes, "d0.nii"), { $0.kind == .invalidHeader }, "dim[0] is 0")
    }

    func testVoxOffsetBeyondFile() throws {
        var raw = RawNIfTI1(dims: [2], datatype: 16, bitpix: 32)
        raw.setVoxOffset(5e9)
        expectError(try save(raw.file(payload: [UInt8](repeating: 0, count: 8), scalarSize: 4), "off.nii"),
                    { $0.kind == .truncated }, "lies beyond the end")
        expectError(try save(try systemGzip(raw.file(payload: [UInt8](repeating: 0, count: 8), scalarSize: 4), in: dir), "off.nii.gz"),
                    { $0.kind == .truncated }, "lies beyond the end")
    }

    func testUnknownDatatype() throws {
        for code: Int16 in [0, 32, 999] {
            let raw = RawNIfTI1(dims: [2], datatype: code, bitpix: 32)
            expectError(try save(raw.bytes + [0, 0, 0, 0, 0, 0, 0, 0], "dt.nii"),
                        { $0.kind == .invalidHeader }, "datatype code \(code)")
        }
    }

    /// Dimensions whose byte count overflows Int (NIfTI-2 allows 64-bit sizes) or exceeds memory.
    func testOverflowingAndHugeDims() throws {
        // NIfTI-2 header built from our writer's bytes, then dims patched to 2^40 each.
        let url = dir.appendingPathComponent("v2.nii")
        try NIfTIFile.write(Volume<Float>(geometry: Geometry(size: SIMD3(2, 2, 2))), to: url, options: NIfTIWriteOptions(version: 2))
        var b = Array(try Data(contentsOf: url))
        for axis in 1...3 {
            let v = UInt64(1) << 40
            for k in 0..<8 { b[16 + 8 * axis + k] = UInt8(truncatingIfNeeded: v >> UInt64(8 * k)) }
        }
        expectError(try save(b, "overflow.nii"), { $0.kind == .tooLarge }, "more bytes than this machine can address")
        // NIfTI-1 maximum: 32767^3 float64 = 281 TB.
        let raw = RawNIfTI1(dims: [32767, 32767, 32767], datatype: 64, bitpix: 64)
        expectError(try save(raw.bytes, "huge.nii"), { $0.kind == .tooLarge }, "more than this machine's")
        // Uncompressed: more than the file holds is a truncation found from the file size, before reading.
        let big = RawNIfTI1(dims: [1000, 1000, 100], datatype: 16, bitpix: 32)
        expectError(try save(big.bytes + [1, 2, 3, 4], "claims.nii"), { $0.kind == .truncated }, "holds only 4")
    }

    /// A tiny gzip file whose header claims gigabytes is refused from the compressed size alone, and
    /// one whose claim is merely possible is caught by the streaming length check. Neither allocates the
    /// claimed size (the first would need 4 GB; the test's memory stays small).
    func testGzipBombClaims() throws {
        let raw = RawNIfTI1(dims: [1024, 1024, 1024], datatype: 16, bitpix: 32)
        let gz = try systemGzip(raw.bytes + [UInt8](repeating: 0, count: 4096), in: dir)
        expectError(try save(gz, "bomb.nii.gz"), { $0.kind == .tooLarge }, "can expand to at most")
        // 64 KiB of noise barely compress; a claim of 512 KiB is within what such a file could hold, but
        // the data is not there.
        let plausible = RawNIfTI1(dims: [128, 128, 8], datatype: 16, bitpix: 32)
        var state: UInt32 = 12345
        let noise: [UInt8] = (0..<65536).map { _ in state = state &* 1664525 &+ 1013904223; return UInt8(state >> 24) }
        let gz2 = try systemGzip(plausible.bytes + noise, in: dir)
        expectError(try save(gz2, "claim.nii.gz"), { $0.kind == .truncated }, "voxel data ends after 65536 of the 524288 bytes")
    }

    func testNonFiniteAffine() throws {
        var raw = RawNIfTI1(dims: [2, 2, 2], datatype: 16, bitpix: 32)
        raw.setCodes(qform: 0, sform: 1)
        raw.setSform([[1, 0, 0, 0], [0, .nan, 0, 0], [0, 0, 1, 0]])
        expectError(try save(raw.file(payload: [UInt8](repeating: 0, count: 32), scalarSize: 4), "nan.nii"),
                    { $0.kind == .invalidAffine }, "NaN or infinite")
        raw.setSform([[1, 0, 0, .infinity], [0, 1, 0, 0], [0, 0, 1, 0]])
        expectError(try save(raw.file(payload: [UInt8](repeating: 0, count: 32), scalarSize: 4), "inf.nii"),
                    { $0.kind == .invalidAffine }, "NaN or infinite")
        raw.setSform([[1, 0, 0, 0], [0, 0, 0, 0], [0, 0, 1, 0]])
        expectError(try save(raw.file(payload: [UInt8](repeating: 0, count: 32), scalarSize: 4), "singular.nii"),
                    { $0.kind == .invalidAffine }, "unusable")
        var q = RawNIfTI1(dims: [2, 2, 2], datatype: 16, bitpix: 32)
        q.setCodes(qform: 1, sform: 0)
        q.setQuaternion(0.9, 0.9, 0, offset: [0, 0, 0])
        expectError(try save(q.file(payload: [UInt8](repeating: 0, count: 32), scalarSize: 4), "quat.nii"),
                    { $0.kind == .invalidAffine }, "longer than 1")
    }

    func testCorruptGzip() throws {
        let g = Geometry(size: SIMD3(40, 40, 40))
        let vals = RoundTripTests.values(Float.self, count: g.voxelCount)
        let url = dir.appendingPathComponent("ok.nii.gz")
        try NIfTIFile.write(try Volume(geometry: g, data: vals), to: url)
        let good = Array(try Data(contentsOf: url))
        // Damaged deflate data.
        var bad = good
        for k in stride(from: good.count / 2, to: good.count / 2 + 64, by: 1) { bad[k] ^= 0x5A }
        expectError(try save(bad, "bad.nii.gz"), { $0.kind == .corruptGzip || $0.kind == .truncated }, "decompressed bytes")
        // Only the CRC changed: data inflate fine, the checksum catches it.
        var crc = good
        crc[good.count - 8] ^= 0xFF
        expectError(try save(crc, "crc.nii.gz"), { $0.kind == .corruptGzip }, "incorrect data check")
    }

    /// A finite slope with a non-finite intercept is refused, as nibabel refuses it.
    func testBadIntercept() throws {
        var raw = RawNIfTI1(dims: [2], datatype: 16, bitpix: 32)
        raw.setSlopeInter(2, .nan)
        expectError(try save(raw.file(payload: [UInt8](repeating: 0, count: 8), scalarSize: 4), "inter.nii"),
                    { $0.kind == .invalidHeader }, "scl_inter")
    }

    /// Failed writes leave the previous file untouched and no temporary file behind.
    func testFailedWritesLeaveNothing() throws {
        let url = dir.appendingPathComponent("out.nii.gz")
        let good = Volume<Float>(geometry: Geometry(size: SIMD3(3, 3, 3)), repeating: 1)
        try NIfTIFile.write(good, to: url)
        let before = try Data(contentsOf: url)

        var nanGeometry = good.geometry
        nanGeometry.origin.x = .nan
        let bad = Volume<Float>(geometry: nanGeometry, repeating: 2)
        XCTAssertThrowsError(try NIfTIFile.write(bad, to: url)) { XCTAssertTrue("\($0)".contains("NaN")) }
        XCTAssertThrowsError(try NIfTIFile.write(good, to: url, options: NIfTIWriteOptions(scaling: (0, 1))))
        var level = NIfTIWriteOptions()
        level.compressionLevel = 0
        XCTAssertThrowsError(try NIfTIFile.write(good, to: url, options: level))
        let wide = Volume<UInt8>(geometry: Geometry(size: SIMD3(40000, 1, 1)))
        XCTAssertThrowsError(try NIfTIFile.write(wide, to: url)) { XCTAssertTrue("\($0)".contains("NIfTI-2")) }
        XCTAssertThrowsError(try NIfTIFile.write(good, to: url, options: NIfTIWriteOptions(version: 3)))
        // Writing into a path whose parent is a file fails cleanly.
        XCTAssertThrowsError(try NIfTIFile.write(good, to: url.appendingPathComponent("x.nii")))

        XCTAssertEqual(try Data(contentsOf: url), before)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["out.nii.gz"])
        // And a wide volume is fine as NIfTI-2.
        try NIfTIFile.write(wide, to: dir.appendingPathComponent("wide.nii"), options: NIfTIWriteOptions(version: 2))
        XCTAssertEqual(try NIfTIFile.readVolume(dir.appendingPathComponent("wide.nii"), as: UInt8.self).size, SIMD3(40000, 1, 1))
    }
}
