import Foundation
import ImageCore
import NIfTI
import XCTest

/// Which transform wins and how it becomes an LPS geometry.
final class NIfTIGeometryTests: XCTestCase {
    var dir: URL!
    override func setUpWithError() throws { dir = try makeTempDir() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    private func write(_ raw: RawNIfTI1, name: String, count: Int) throws -> URL {
        let url = dir.appendingPathComponent(name)
        try Data(raw.file(payload: [UInt8](repeating: 0, count: count * 4), scalarSize: 4)).write(to: url)
        return url
    }

    /// sform (code > 0) is used even when a qform is present; RAS is turned into LPS.
    func testSformWins() throws {
        var raw = RawNIfTI1(dims: [4, 3, 2], datatype: 16, bitpix: 32)
        raw.setCodes(qform: 1, sform: 2)
        raw.setQuaternion(0, 0, 1, offset: [5, 6, 7])  // 180 degrees about z: would flip x and y
        raw.setSform([[2, 0, 0, -10], [0, 3, 0, 20], [0, 0, 4, 30]])
        let img = try NIfTIFile.read(try write(raw, name: "s.nii", count: 24))
        XCTAssertEqual(img.affineSource, .sform)
        XCTAssertEqual(img.affineRAS, Matrix4(rows: [[2, 0, 0, -10], [0, 3, 0, 20], [0, 0, 4, 30], [0, 0, 0, 1]]))
        let g = img.geometry
        XCTAssertEqual(g.origin, SIMD3(10, -20, 30))  // LPS = (-x, -y, z)
        XCTAssertEqual(g.spacing, SIMD3(2, 3, 4))
        XCTAssertEqual(g.direction[0], SIMD3(-1, 0, 0))
        XCTAssertEqual(g.direction[1], SIMD3(0, -1, 0))
        XCTAssertEqual(g.orientationCode, "RAS")
    }

    /// qform only: quaternion (b, c, d) = (0, 0, 1) is a half turn about z; qfac -1 flips k.
    func testQformQuaternionAndQfac() throws {
        var raw = RawNIfTI1(dims: [4, 3, 2], datatype: 16, bitpix: 32)
        raw.setCodes(qform: 1, sform: 0)
        raw.setPixdim([-1, 2, 3, 4, 1, 1, 1, 1])
        raw.setQuaternion(0, 0, 1, offset: [5, 6, 7])
        let img = try NIfTIFile.read(try write(raw, name: "q.nii", count: 24))
        XCTAssertEqual(img.affineSource, .qform)
        XCTAssertEqual(img.affineRAS, Matrix4(rows: [[-2, 0, 0, 5], [0, -3, 0, 6], [0, 0, -4, 7], [0, 0, 0, 1]]))
        XCTAssertEqual(img.geometry.orientationCode, "LPI")
    }

    /// A 90-degree rotation about x: (b, c, d) = (sin 45, 0, 0) maps j to +z and k to -y.
    func testQformRotation() throws {
        var raw = RawNIfTI1(dims: [2, 2, 2], datatype: 16, bitpix: 32)
        raw.setCodes(qform: 1, sform: 0)
        let s = Float(0.5.squareRoot())
        raw.setQuaternion(s, 0, 0, offset: [0, 0, 0])
        let img = try NIfTIFile.read(try write(raw, name: "r.nii", count: 8))
        let expected = Matrix4(rows: [[1, 0, 0, 0], [0, 0, -1, 0], [0, 1, 0, 0], [0, 0, 0, 1]])
        XCTAssertLessThan(img.affineRAS.maxAbsDifference(expected), 1e-7)
    }

    /// Neither code: nibabel's fallback, x flipped and the grid centred on the origin.
    func testPixdimFallbackMatchesNibabel() throws {
        var raw = RawNIfTI1(dims: [4, 3, 2], datatype: 16, bitpix: 32)
        raw.setPixdim([1, 2, 3, 4, 1, 1, 1, 1])
        let img = try NIfTIFile.read(try write(raw, name: "p.nii", count: 24))
        XCTAssertEqual(img.affineSource, .pixdim)
        // nibabel: diag(-2, 3, 4), translation -((shape - 1) / 2) * zooms
        XCTAssertEqual(img.affineRAS, Matrix4(rows: [[-2, 0, 0, 3], [0, 3, 0, -3], [0, 0, 4, -2], [0, 0, 0, 1]]))
    }

    /// Writing a rotated grid with sform code 0 leaves only the qform; reading gives the grid back.
    func testWrittenQformReproducesRigidGeometry() throws {
        let g = RoundTripTests.obliqueGeometry()
        let vol = Volume<Float>(geometry: g)
        for version in [1, 2] {
            let url = dir.appendingPathComponent("qonly\(version).nii")
            try NIfTIFile.write(vol, to: url, options: NIfTIWriteOptions(version: version, qformCode: 1, sformCode: 0))
            let img = try NIfTIFile.read(url)
            XCTAssertEqual(img.affineSource, .qform)
            XCTAssertTrue(img.geometry.isClose(to: g, tolerance: version == 1 ? 1e-4 : 1e-9))
        }
        // A left-handed grid (one axis flipped) needs qfac = -1.
        var flipped = g
        flipped.direction[2] = -flipped.direction[2]
        let url = dir.appendingPathComponent("left.nii")
        try NIfTIFile.write(Volume<Float>(geometry: flipped), to: url, options: NIfTIWriteOptions(qformCode: 1, sformCode: 0))
        XCTAssertEqual(try NIfTIFile.readHeader(url).pixdim[0], -1)
        XCTAssertTrue(try NIfTIFile.read(url).geometry.isClose(to: flipped, tolerance: 1e-4))
    }

    /// A sheared (gantry-tilted) grid: the sform keeps it exactly, the qform is the nearest rotation
    /// with the same voxel sizes and origin.
    func testShearedGridSformExactQformRigid() throws {
        var g = Geometry(size: SIMD3(4, 4, 4), spacing: SIMD3(0.5, 0.5, 1.25), origin: SIMD3(10, 20, 30))
        let tilt = 15.0 * Double.pi / 180
        g.direction[2] = SIMD3(0, sin(tilt), cos(tilt))  // k leans towards j: not orthogonal
        XCTAssertFalse(g.isOrthogonal)
        let url = dir.appendingPathComponent("shear.nii")
        try NIfTIFile.write(Volume<Float>(geometry: g), to: url, options: NIfTIWriteOptions(version: 2))
        let img = try NIfTIFile.read(url)
        XCTAssertTrue(img.geometry.isClose(to: g, tolerance: 1e-9))
        let q = try img.header.qformMatrix()
        let cols = q.linearColumns
        for a in 0..<3 {
            XCTAssertEqual((cols[a] * cols[a]).sum().squareRoot(), g.spacing[a], accuracy: 1e-9)
            for b in (a + 1)..<3 { XCTAssertEqual((cols[a] * cols[b]).sum(), 0, accuracy: 1e-9) }
        }
        XCTAssertEqual(q.translation, g.affineRAS.translation)
        // Nearest rotation to [i, j, k_tilted]: i stays, j and k are rotated by half the shear angle.
        let half = tilt / 2
        let kDir = cols[2] / 1.25
        // In RAS, LPS (0, sin, cos) becomes (0, -sin, cos); the orthogonalised k leans half as far.
        XCTAssertEqual(kDir.y, -sin(half), accuracy: 1e-9)
        XCTAssertEqual(kDir.z, cos(half), accuracy: 1e-9)
    }
}
