import Foundation
import ImageCore
import NIfTI
import XCTest

/// Write then read, for every datatype, both versions, plain and gzip: data must come back
/// bit-identical and the geometry to the precision of the header fields.
final class RoundTripTests: XCTestCase {
    var dir: URL!
    override func setUpWithError() throws { dir = try makeTempDir() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    /// An oblique grid (rotation about two axes, anisotropic voxels, off-centre origin) with odd sizes so
    /// no axis mix-up goes unnoticed.
    static func obliqueGeometry(size: SIMD3<Int> = SIMD3(7, 5, 4)) -> Geometry {
        let a = 0.3, b = -0.2
        let rz: [SIMD3<Double>] = [SIMD3(cos(a), sin(a), 0), SIMD3(-sin(a), cos(a), 0), SIMD3(0, 0, 1)]
        let rx: (SIMD3<Double>) -> SIMD3<Double> = { v in SIMD3(v.x, cos(b) * v.y - sin(b) * v.z, sin(b) * v.y + cos(b) * v.z) }
        return Geometry(size: size, spacing: SIMD3(0.8, 1.25, 2.5), origin: SIMD3(-91.5, 120.25, -33.75),
                        direction: rz.map(rx))
    }

    /// Deterministic values covering the type's extremes, zero and a spread between.
    static func values<T: VoxelType>(_ type: T.Type, count: Int) -> [T] {
        var state: UInt64 = 0x9E3779B97F4A7C15
        var out = [T]()
        out.reserveCapacity(count)
        for n in 0..<count {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let r = Double(state >> 11) / Double(1 << 53)  // [0, 1)
            let v: T
            switch T.self {
            case is Float.Type: v = T(clampingDouble: Double(Float((r - 0.5) * 6000)))
            case is Double.Type: v = T(clampingDouble: (r - 0.5) * 1e6)
            default: v = T(clampingDouble: -1e30 + r * 2e30)  // clamps to min/max half the time
            }
            out.append(n % 11 == 0 ? T.zero : v)
        }
        if T.self == Float.self { out[1] = T(clampingDouble: Double(Float.greatestFiniteMagnitude)); out[2] = T(clampingDouble: -Double(Float.leastNonzeroMagnitude)) }
        return out
    }

    func roundTrip<T: VoxelType>(_ type: T.Type, expected: NIfTIDatatype) throws {
        let g = Self.obliqueGeometry()
        let vol = try Volume(geometry: g, data: Self.values(T.self, count: g.voxelCount))
        for version in [1, 2] {
            for ext in ["nii", "nii.gz"] {
                let url = dir.appendingPathComponent("rt_\(T.typeName)_v\(version).\(ext)")
                try NIfTIFile.write(vol, to: url, options: NIfTIWriteOptions(version: version))
                let back = try NIfTIFile.readVolume(url, as: T.self)
                XCTAssertEqual(back.data, vol.data, "\(url.lastPathComponent): data differ")
                XCTAssertEqual(back.components, 1)
                let tol = version == 1 ? 1e-4 : 1e-9
                XCTAssertTrue(back.geometry.isClose(to: g, tolerance: tol), "\(url.lastPathComponent): geometry \(back.geometry.affineLPS) vs \(g.affineLPS)")
                let img = try NIfTIFile.read(url)
                XCTAssertEqual(img.header.datatype, expected)
                XCTAssertEqual(img.header.version, version)
                XCTAssertEqual(img.header.bitpix, expected.bitpix)
                XCTAssertEqual(img.header.voxOffset, version == 1 ? 352 : 544)
                XCTAssertEqual(img.compressed, ext == "nii.gz")
                XCTAssertEqual(img.volume(as: T.self).data, vol.data)
            }
        }
    }

    func testUInt8() throws { try roundTrip(UInt8.self, expected: .uint8) }
    func testInt8() throws { try roundTrip(Int8.self, expected: .int8) }
    func testInt16() throws { try roundTrip(Int16.self, expected: .int16) }
    func testUInt16() throws { try roundTrip(UInt16.self, expected: .uint16) }
    func testInt32() throws { try roundTrip(Int32.self, expected: .int32) }
    func testUInt32() throws { try roundTrip(UInt32.self, expected: .uint32) }
    func testInt64() throws { try roundTrip(Int64.self, expected: .int64) }
    func testUInt64() throws { try roundTrip(UInt64.self, expected: .uint64) }
    func testFloat32() throws { try roundTrip(Float.self, expected: .float32) }
    func testFloat64() throws { try roundTrip(Double.self, expected: .float64) }

    /// The gzip file decompressed by the system's gzip equals the uncompressed file byte for byte, at
    /// the fastest and the strongest level.
    func testGzipIsStandardGzip() throws {
        let g = Geometry(size: SIMD3(160, 128, 40))  // 3.1 MiB of float32
        var vals = Self.values(Float.self, count: g.voxelCount)
        for n in stride(from: 0, to: vals.count, by: 3) { vals[n] = Float(n % 1000) }  // some redundancy
        let vol = try Volume(geometry: g, data: vals)
        let plain = dir.appendingPathComponent("p.nii"), gz = dir.appendingPathComponent("p.nii.gz")
        try NIfTIFile.write(vol, to: plain)
        var sizes: [Int] = []
        for level in [1, 12] {
            var o = NIfTIWriteOptions()
            o.compressionLevel = level
            try NIfTIFile.write(vol, to: gz, options: o)
            XCTAssertEqual(try systemGunzip(gz), Array(try Data(contentsOf: plain)), "level \(level)")
            XCTAssertEqual(try NIfTIFile.readVolume(gz, as: Float.self).data, vals)
            sizes.append(try Data(contentsOf: gz).count)
        }
        XCTAssertLessThan(sizes[1], sizes[0])
    }

    /// gzip data holding more than the header announces (its size trailer does not match) is streamed
    /// instead of inflated whole, and still reads right.
    func testGzipWithTrailingBytesInsideTheStream() throws {
        let g = Geometry(size: SIMD3(6, 5, 4))
        let vals = Self.values(Float.self, count: g.voxelCount)
        let plain = dir.appendingPathComponent("t.nii")
        try NIfTIFile.write(try Volume(geometry: g, data: vals), to: plain)
        let gz = dir.appendingPathComponent("t.nii.gz")
        try Data(try systemGzip(Array(try Data(contentsOf: plain)) + [UInt8](repeating: 7, count: 1000), in: dir)).write(to: gz)
        XCTAssertEqual(try NIfTIFile.readVolume(gz, as: Float.self).data, vals)
        XCTAssertEqual(try NIfTIFile.read(gz).data, .float32(vals))
    }

    /// A file gzipped by the system tool (not our writer) reads back the same; so does a file made of
    /// two concatenated gzip members.
    func testReadsForeignAndMultiMemberGzip() throws {
        let g = Geometry(size: SIMD3(9, 8, 7))
        let vals = Self.values(Int16.self, count: g.voxelCount)
        let plain = dir.appendingPathComponent("m.nii")
        try NIfTIFile.write(try Volume(geometry: g, data: vals), to: plain)
        let bytes = Array(try Data(contentsOf: plain))
        let single = dir.appendingPathComponent("single.nii.gz")
        try Data(try systemGzip(bytes, in: dir)).write(to: single)
        XCTAssertEqual(try NIfTIFile.readVolume(single, as: Int16.self).data, vals)
        let cut = 400  // inside the voxel data
        let multi = dir.appendingPathComponent("multi.nii.gz")
        try Data(try systemGzip(Array(bytes[..<cut]), in: dir) + systemGzip(Array(bytes[cut...]), in: dir)).write(to: multi)
        XCTAssertEqual(try NIfTIFile.readVolume(multi, as: Int16.self).data, vals)
    }

    func testHeaderFieldsSurvive() throws {
        let g = Self.obliqueGeometry()
        let vol = try Volume(geometry: g, data: Self.values(Float.self, count: g.voxelCount))
        var o = NIfTIWriteOptions(description: "DeepStroke test é", intentCode: NIfTIIntent.zScore, qformCode: 2, sformCode: 4)
        o.intentName = "zmap"
        o.intentParameters = (1.5, 2.5, -3)
        for version in [1, 2] {
            o.version = version
            let url = dir.appendingPathComponent("h\(version).nii")
            try NIfTIFile.write(vol, to: url, options: o)
            let h = try NIfTIFile.readHeader(url)
            XCTAssertEqual(h.descrip, "DeepStroke test é")
            XCTAssertEqual(h.intentCode, NIfTIIntent.zScore)
            XCTAssertEqual(h.intentName, "zmap")
            XCTAssertEqual([h.intentP1, h.intentP2, h.intentP3], [1.5, 2.5, -3])
            XCTAssertEqual(h.qformCode, 2)
            XCTAssertEqual(h.sformCode, 4)
            XCTAssertEqual(h.dim, [3, 7, 5, 4, 1, 1, 1, 1])
            XCTAssertEqual(h.xyztUnits, 10)
        }
        // Too long a description is cut at a character boundary, never mid-character.
        o.description = String(repeating: "é", count: 50)  // 100 bytes
        let url = dir.appendingPathComponent("long.nii")
        try NIfTIFile.write(vol, to: url, options: o)
        XCTAssertEqual(try NIfTIFile.readHeader(url).descrip, String(repeating: "é", count: 40))
    }

    /// Rewriting an image read from disk keeps the stored integers, scaling and transform codes.
    func testImageRewriteKeepsStoredValues() throws {
        let g = Self.obliqueGeometry()
        let stored = Self.values(Int16.self, count: g.voxelCount)
        var o = NIfTIWriteOptions(scaling: (0.25, -1000), qformCode: 1, sformCode: 2)
        o.datatype = .int16
        let src = dir.appendingPathComponent("s.nii.gz")
        let floats = stored.map { Double($0) * 0.25 - 1000 }
        try NIfTIFile.write(try Volume(geometry: g, data: floats), to: src, options: o)
        let image = try NIfTIFile.read(src)
        XCTAssertEqual(image.data, .int16(stored))
        let out = dir.appendingPathComponent("copy.nii")
        try NIfTIFile.write(image, to: out, version: 2)
        let copy = try NIfTIFile.read(out)
        XCTAssertEqual(copy.data, .int16(stored))
        XCTAssertEqual(copy.header.version, 2)
        XCTAssertEqual(copy.header.sformCode, 2)
        XCTAssertEqual(copy.header.sclSlope, 0.25)
        XCTAssertEqual(copy.header.sclInter, -1000)
        XCTAssertEqual(copy.affineRAS, image.affineRAS)  // float32 values are exact in NIfTI-2's doubles
        // Conversion to another type applies the scaling once.
        try NIfTIFile.write(image, to: out, datatype: .float32)
        XCTAssertEqual(try NIfTIFile.readVolume(out, as: Double.self).data, floats)
    }
}
