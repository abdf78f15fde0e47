import Foundation
import ImageCore
import NIfTI
import XCTest

final class VectorAndScalingTests: XCTestCase {
    var dir: URL!
    override func setUpWithError() throws { dir = try makeTempDir() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    /// Displacement fields: 3 components go out 5-D (x, y, z, 1, 3) with intent vector, as ITK/ANTs write
    /// them, and come back as a 3-component volume with the components in the same planes.
    func testVectorFieldIs5DIntentVector() throws {
        let g = RoundTripTests.obliqueGeometry()
        let vals = RoundTripTests.values(Float.self, count: g.voxelCount * 3)
        let field = try Volume(geometry: g, components: 3, data: vals)
        for name in ["f.nii.gz", "f.nii"] {
            let url = dir.appendingPathComponent(name)
            try NIfTIFile.write(field, to: url)
            let h = try NIfTIFile.readHeader(url)
            XCTAssertEqual(h.dim, [5, 7, 5, 4, 1, 3, 1, 1])
            XCTAssertEqual(h.intentCode, 1007)
            let back = try NIfTIFile.readVolume(url, as: Float.self)
            XCTAssertEqual(back.components, 3)
            XCTAssertEqual(back.data, vals)
            XCTAssertEqual(back.component(1).data, Array(vals[g.voxelCount..<(2 * g.voxelCount)]))
        }
    }

    /// Other component counts are a plain 4-D series.
    func testFourComponentsAre4D() throws {
        let g = Geometry(size: SIMD3(3, 2, 2))
        let vals = (0..<(g.voxelCount * 4)).map { UInt16($0 * 7) }
        let url = dir.appendingPathComponent("t.nii")
        try NIfTIFile.write(try Volume(geometry: g, components: 4, data: vals), to: url)
        let h = try NIfTIFile.readHeader(url)
        XCTAssertEqual(h.dim, [4, 3, 2, 2, 4, 1, 1, 1])
        XCTAssertEqual(h.intentCode, 0)
        let back = try NIfTIFile.readVolume(url, as: UInt16.self)
        XCTAssertEqual(back.components, 4)
        XCTAssertEqual(back.data, vals)
    }

    /// Stored integers are (value - intercept) / slope; reading applies slope and intercept exactly.
    func testScaledInt16RoundTrip() throws {
        let g = Geometry(size: SIMD3(5, 4, 3))
        let stored: [Int16] = (0..<g.voxelCount).map { Int16(($0 * 997) % 4000 - 2000) }
        let values = stored.map { Float(Double($0) * 0.5 - 1024) }
        var o = NIfTIWriteOptions(datatype: .int16, scaling: (0.5, -1024))
        for version in [1, 2] {
            o.version = version
            let url = dir.appendingPathComponent("sc\(version).nii.gz")
            try NIfTIFile.write(try Volume(geometry: g, data: values), to: url, options: o)
            let img = try NIfTIFile.read(url)
            XCTAssertEqual(img.data, .int16(stored))
            XCTAssertEqual(img.header.sclSlope, 0.5)
            XCTAssertEqual(img.header.sclInter, -1024)
            XCTAssertEqual(try NIfTIFile.readVolume(url, as: Float.self).data, values)
            let unscaled = img.volume(as: Int16.self, applyScaling: false)
            XCTAssertEqual(unscaled.data, stored)
            let range = try XCTUnwrap(img.valueRange)
            XCTAssertEqual(range.min, Double(stored.min()!) * 0.5 - 1024)
            XCTAssertEqual(range.max, Double(stored.max()!) * 0.5 - 1024)
        }
    }

    /// nibabel's rule: a zero or non-finite slope means "no scaling"; a negative slope flips the range.
    func testSlopeRules() throws {
        let stored: [Int16] = [-3, 0, 5, 100]
        let plain: [Double] = stored.map { Double($0) }
        let flipped: [Double] = stored.map { Double($0) * -2 + 1 }
        let cases: [(Float, Float, [Double])] = [(0, 7, plain), (.nan, 7, plain), (.infinity, 7, plain), (-2, 1, flipped)]
        for (slope, inter, expected) in cases {
            var raw = RawNIfTI1(dims: [4], datatype: 4, bitpix: 16)
            raw.setSlopeInter(slope, inter)
            let url = dir.appendingPathComponent("slope.nii")
            try Data(raw.file(payload: littleEndianBytes(stored), scalarSize: 2)).write(to: url)
            XCTAssertEqual(try NIfTIFile.readVolume(url, as: Double.self).data, expected, "slope \(slope)")
            let range = try XCTUnwrap(try NIfTIFile.read(url).valueRange)
            XCTAssertEqual(range.min, expected.min()!)
            XCTAssertEqual(range.max, expected.max()!)
        }
    }

    /// Reading as another type rounds and clamps (float -> uint8) after scaling.
    func testConversionOnRead() throws {
        let g = Geometry(size: SIMD3(5, 1, 1))
        let url = dir.appendingPathComponent("c.nii")
        try NIfTIFile.write(try Volume(geometry: g, data: [-5.0, 0.4, 0.6, 254.5, 1e9] as [Float]), to: url)
        XCTAssertEqual(try NIfTIFile.readVolume(url, as: UInt8.self).data, [0, 0, 1, 255, 255])
    }

    /// Big-endian files (detected from sizeof_hdr) read the same as little-endian ones, every width.
    func testBigEndianEveryType() throws {
        func check<T: VoxelType>(_ type: T.Type, code: Int16) throws {
            let vals = RoundTripTests.values(T.self, count: 24)
            let size = MemoryLayout<T>.size
            var raw = RawNIfTI1(dims: [4, 3, 2], datatype: code, bitpix: Int16(size * 8), bigEndian: true)
            raw.setSlopeInter(0, 0)
            let url = dir.appendingPathComponent("be_\(T.typeName).nii")
            try Data(raw.file(payload: littleEndianBytes(vals), scalarSize: size)).write(to: url)
            let img = try NIfTIFile.read(url)
            XCTAssertEqual(img.header.endianness, .big)
            XCTAssertEqual(img.volume(as: T.self).data, vals, T.typeName)
            XCTAssertEqual(try NIfTIFile.readVolume(url, as: T.self).data, vals, T.typeName)
        }
        try check(UInt8.self, code: 2); try check(Int8.self, code: 256)
        try check(Int16.self, code: 4); try check(UInt16.self, code: 512)
        try check(Int32.self, code: 8); try check(UInt32.self, code: 768)
        try check(Int64.self, code: 1024); try check(UInt64.self, code: 1280)
        try check(Float.self, code: 16); try check(Double.self, code: 64)
    }

    /// Big-endian header fields (affine, scaling) decode too.
    func testBigEndianHeaderFields() throws {
        var raw = RawNIfTI1(dims: [2, 2, 2], datatype: 4, bitpix: 16, bigEndian: true)
        raw.setCodes(qform: 0, sform: 1)
        raw.setSform([[1.5, 0, 0, -7], [0, 2.5, 0, 8], [0, 0, 3.5, 9]])
        raw.setSlopeInter(2, 10)
        let url = dir.appendingPathComponent("beh.nii")
        try Data(raw.file(payload: littleEndianBytes([Int16](1...8)), scalarSize: 2)).write(to: url)
        let img = try NIfTIFile.read(url)
        XCTAssertEqual(img.affineRAS, Matrix4(rows: [[1.5, 0, 0, -7], [0, 2.5, 0, 8], [0, 0, 3.5, 9], [0, 0, 0, 1]]))
        XCTAssertEqual(img.volume(as: Double.self).data, (1...8).map { Double($0) * 2 + 10 })
    }

    /// RGB24 (interleaved on disk) reads as three planar uint8 components.
    func testRGB24() throws {
        let raw = RawNIfTI1(dims: [2, 1, 1], datatype: 128, bitpix: 24)
        let url = dir.appendingPathComponent("rgb.nii")
        try Data(raw.file(payload: [10, 20, 30, 11, 21, 31], scalarSize: 1)).write(to: url)
        let v = try NIfTIFile.readVolume(url, as: UInt8.self)
        XCTAssertEqual(v.components, 3)
        XCTAssertEqual(v.data, [10, 11, 20, 21, 30, 31])
    }

    /// Extensions between header and data are skipped; an unset vox_offset (0) means right after the header.
    func testExtensionsAndUnsetOffset() throws {
        let vals: [Float] = [1, 2, 3, 4]
        var raw = RawNIfTI1(dims: [4], datatype: 16, bitpix: 32)
        raw.setVoxOffset(384)
        raw.bytes[348] = 1  // extension flag
        var ext = [UInt8](repeating: 0xAB, count: 32)
        ext.replaceSubrange(0..<8, with: [32, 0, 0, 0, 6, 0, 0, 0])  // esize 32, ecode 6 (comment)
        let url = dir.appendingPathComponent("ext.nii")
        try Data(raw.bytes + ext + littleEndianBytes(vals)).write(to: url)
        XCTAssertEqual(try NIfTIFile.readVolume(url, as: Float.self).data, vals)
        XCTAssertEqual(try NIfTIFile.readHeader(url).voxOffset, 384)

        var unset = RawNIfTI1(dims: [4], datatype: 16, bitpix: 32)
        unset.setVoxOffset(0)
        try Data(unset.file(payload: littleEndianBytes(vals), scalarSize: 4)).write(to: url)
        XCTAssertEqual(try NIfTIFile.readVolume(url, as: Float.self).data, vals)
    }
}
