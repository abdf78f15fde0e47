import Foundation
import ImageCore
import Registration
import XCTest

/// ITK transform files: text round trip, the other affine-like types ITK writes, and MATLAB v4 `.mat`.
final class ITKTransformFileTests: XCTestCase {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("itk-\(UUID().uuidString)")

    override func setUpWithError() throws { try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true) }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    func write(_ text: String, _ name: String) throws -> URL {
        let u = dir.appendingPathComponent(name)
        try Data(text.utf8).write(to: u)
        return u
    }

    func assertSameMap(_ a: AffineTransform3D, _ b: AffineTransform3D, accuracy: Double = 1e-9, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertLessThan(a.matrix.maxAbsDifference(b.matrix), accuracy, "\(a) vs \(b)", file: file, line: line)
    }

    func testTextRoundTrip() throws {
        let t = AffineTransform3D(linear: [1.02, 0.1, -0.03, -0.09, 0.98, 0.2, 0.05, -0.21, 1.1], translation: SIMD3(3.25, -7.5, 1e-7),
                                  center: SIMD3(12.5, -30.125, 40))
        let u = dir.appendingPathComponent("t.txt")
        try ITKTransformFile.write(t, to: u)
        let text = try String(contentsOf: u, encoding: .utf8)
        XCTAssertTrue(text.hasPrefix("#Insight Transform File V1.0\n#Transform 0\nTransform: AffineTransform_double_3_3\nParameters: 1.02 0.1 -0.03"))
        XCTAssertTrue(text.contains("\nFixedParameters: 12.5 -30.125 40"))
        let back = try ITKTransformFile.read(u)
        XCTAssertEqual(back.matrix, t.matrix)   // shortest round-trip printing: bit-exact
        XCTAssertEqual(back.center, t.center)
        XCTAssertEqual(back.translation.x, 3.25, accuracy: 1e-12)
    }

    /// T(x) = M (x - c) + c + t, checked on a point by hand.
    func testParametersMeanWhatITKSays() throws {
        let u = try write("#Insight Transform File V1.0\n#Transform 0\nTransform: MatrixOffsetTransformBase_double_3_3\n"
                          + "Parameters: 0 -1 0 1 0 0 0 0 1 10 20 30\nFixedParameters: 1 2 3\n", "m.txt")
        let t = try ITKTransformFile.read(u)
        // x = (5, 7, 11): x - c = (4, 5, 8); M (x - c) = (-5, 4, 8); + c + t = (-5+1+10, 4+2+20, 8+3+30)
        let y = t.apply(SIMD3(5, 7, 11))
        XCTAssertEqual(y.x, 6, accuracy: 1e-12)
        XCTAssertEqual(y.y, 26, accuracy: 1e-12)
        XCTAssertEqual(y.z, 41, accuracy: 1e-12)
    }

    /// ITK's Euler3DTransform: R = Rz Rx Ry by default, Rz Ry Rx with ComputeZYX (4th fixed parameter 1).
    func testEulerTransformAngleOrder() throws {
        let (ax, ay, az) = (0.1, -0.2, 0.3)
        func rx(_ a: Double) -> Matrix4 { Matrix4(rows: [[1, 0, 0, 0], [0, cos(a), -sin(a), 0], [0, sin(a), cos(a), 0], [0, 0, 0, 1]]) }
        func ry(_ a: Double) -> Matrix4 { Matrix4(rows: [[cos(a), 0, sin(a), 0], [0, 1, 0, 0], [-sin(a), 0, cos(a), 0], [0, 0, 0, 1]]) }
        func rz(_ a: Double) -> Matrix4 { Matrix4(rows: [[cos(a), -sin(a), 0, 0], [sin(a), cos(a), 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]]) }
        let zxy = try ITKTransformFile.read(write("#Insight Transform File V1.0\n#Transform 0\nTransform: Euler3DTransform_double_3_3\n"
                                                  + "Parameters: \(ax) \(ay) \(az) 0 0 0\nFixedParameters: 0 0 0 0\n", "e.txt"))
        XCTAssertLessThan(zxy.matrix.maxAbsDifference(rz(az) * rx(ax) * ry(ay)), 1e-12)
        let zyx = try ITKTransformFile.read(write("#Insight Transform File V1.0\n#Transform 0\nTransform: Euler3DTransform_double_3_3\n"
                                                  + "Parameters: \(ax) \(ay) \(az) 0 0 0\nFixedParameters: 0 0 0 1\n", "e2.txt"))
        XCTAssertLessThan(zyx.matrix.maxAbsDifference(rz(az) * ry(ay) * rx(ax)), 1e-12)
    }

    /// A versor (unit quaternion vector part) for 90 degrees about S maps L to P.
    func testVersorRigid() throws {
        let s = 0.5.squareRoot()
        let t = try ITKTransformFile.read(write("#Insight Transform File V1.0\n#Transform 0\nTransform: VersorRigid3DTransform_double_3_3\n"
                                                + "Parameters: 0 0 \(s) 1 2 3\nFixedParameters: 0 0 0\n", "v.txt"))
        let y = t.apply(SIMD3(1, 0, 0))
        XCTAssertEqual(y.x, 1, accuracy: 1e-12)
        XCTAssertEqual(y.y, 3, accuracy: 1e-12)
        XCTAssertEqual(y.z, 3, accuracy: 1e-12)
    }

    /// MATLAB v4 as ITK writes `0GenericAffine.mat`: variable `AffineTransform_double_3_3` (12x1 doubles),
    /// then `fixed` (3x1), little endian, built byte by byte from the format description.
    func testMatlabFile() throws {
        func variable(_ name: String, _ values: [Double]) -> Data {
            var d = Data()
            let nameBytes = Array(name.utf8) + [0]
            for v in [Int32(0), Int32(values.count), 1, 0, Int32(nameBytes.count)] { withUnsafeBytes(of: v.littleEndian) { d.append(contentsOf: $0) } }
            d.append(contentsOf: nameBytes)
            for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { d.append(contentsOf: $0) } }
            return d
        }
        let params: [Double] = [0.9, 0.1, 0, -0.1, 0.95, 0.05, 0, -0.05, 1.05, 2.5, -1.5, 4]
        let data = variable("AffineTransform_double_3_3", params) + variable("fixed", [10, -20, 30])
        let u = dir.appendingPathComponent("x.mat")
        try data.write(to: u)
        let t = try ITKTransformFile.read(u)
        let expected = AffineTransform3D(linear: Array(params[0..<9]), translation: SIMD3(2.5, -1.5, 4), center: SIMD3(10, -20, 30))
        assertSameMap(t, expected)
        XCTAssertEqual(t.center, SIMD3(10, -20, 30))
    }

    /// ITK composites apply their last transform first.
    func testCompositeOrder() throws {
        let text = "#Insight Transform File V1.0\n#Transform 0\nTransform: CompositeTransform_double_3_3\n"
            + "#Transform 1\nTransform: TranslationTransform_double_3_3\nParameters: 1 0 0\nFixedParameters: \n"
            + "#Transform 2\nTransform: AffineTransform_double_3_3\nParameters: 2 0 0 0 2 0 0 0 2 0 0 0\nFixedParameters: 0 0 0\n"
        let t = try ITKTransformFile.read(write(text, "c.txt"))
        // translate(scale(x)): (1,1,1) -> (2,2,2) -> (3,2,2)
        XCTAssertEqual(t.apply(SIMD3(1, 1, 1)), SIMD3(3, 2, 2))
    }

    func testMalformedFilesGiveClearErrors() throws {
        let cases: [(String, String)] = [
            ("hello", "not an ITK transform file"),
            ("#Insight Transform File V1.0\nTransform: AffineTransform_double_3_3\nParameters: 1 0 0\nFixedParameters: 0 0 0\n", "needs 12 parameters"),
            ("#Insight Transform File V1.0\nTransform: AffineTransform_double_3_3\nParameters: 1 0 0 0 1 0 0 0 nan 0 0 0\n", "not a finite number"),
            ("#Insight Transform File V1.0\nTransform: BSplineTransform_double_3_3\nParameters: 1\n", "not supported"),
            ("#Insight Transform File V1.0\nTransform: AffineTransform_double_2_2\nParameters: 1 0 0 1 0 0\n", "not a 3-D transform"),
        ]
        for (i, (text, message)) in cases.enumerated() {
            XCTAssertThrowsError(try ITKTransformFile.read(write(text, "bad\(i).txt"))) { e in
                XCTAssertTrue("\(e)".contains(message), "'\(e)' lacks '\(message)'")
            }
        }
        XCTAssertThrowsError(try ITKTransformFile.read(dir.appendingPathComponent("missing.txt"))) { e in
            XCTAssertTrue("\(e)".contains("cannot be read"))
        }
        try Data([1, 2, 3]).write(to: dir.appendingPathComponent("short.mat"))
        XCTAssertThrowsError(try ITKTransformFile.read(dir.appendingPathComponent("short.mat")))
    }
}
