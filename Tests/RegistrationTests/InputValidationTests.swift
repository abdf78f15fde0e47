import ImageCore
import Registration
import XCTest

/// Bad input must be refused with an error that says what is wrong; a legal but degenerate input must
/// still give finite output.
final class InputValidationTests: XCTestCase {
    let small = Phantom.make(size: 24, spacing: 4).image

    /// The call must throw (rather than run a registration) and say what is wrong. How fast it fails is
    /// not checked here: timings belong in the benchmarks, not in a test that shares its CPU.
    func expectError(_ body: () throws -> Void, containing text: String, file: StaticString = #filePath, line: UInt = #line) {
        do {
            try body()
            XCTFail("expected an error mentioning '\(text)'", file: file, line: line)
        } catch {
            XCTAssertTrue("\(error)".localizedCaseInsensitiveContains(text), "message '\(error)' lacks '\(text)'", file: file, line: line)
        }
    }

    func fastParameters() -> RegistrationParameters { RegistrationPreset.fast.parameters }

    func testConstantImageIsRejected() {
        let constant = Volume<Float>(geometry: small.geometry, repeating: 7)
        expectError({ _ = try ImageRegistration(parameters: fastParameters()).register(fixed: constant, moving: small) }, containing: "constant")
        expectError({ _ = try ImageRegistration(parameters: fastParameters()).register(fixed: small, moving: constant) }, containing: "constant")
    }

    func testEmptyImageIsRejected() {
        let empty = Volume<Float>(geometry: Geometry(size: SIMD3(0, 0, 0)))
        expectError({ _ = try ImageRegistration(parameters: fastParameters()).register(fixed: empty, moving: small) }, containing: "empty")
    }

    func testTooSmallImageIsRejected() {
        var tiny = Volume<Float>(geometry: Geometry(size: SIMD3(3, 3, 3)))
        tiny.data[4] = 1
        expectError({ _ = try ImageRegistration(parameters: fastParameters()).register(fixed: small, moving: tiny) }, containing: "too small")
    }

    func testNaNIsRejected() {
        var bad = small
        bad.data[100] = .nan
        bad.data[200] = .infinity
        expectError({ _ = try ImageRegistration(parameters: fastParameters()).register(fixed: small, moving: bad) }, containing: "2 NaN or infinite")
    }

    func testEmptyMaskIsRejected() {
        let mask = Volume<Float>(geometry: small.geometry)
        expectError({ _ = try ImageRegistration(parameters: fastParameters()).register(fixed: small, moving: small, fixedMask: mask) },
                    containing: "no voxels")
    }

    func testMaskOnAnotherGridIsRejected() {
        let mask = Volume<Float>(geometry: Geometry(size: SIMD3(20, 24, 24), spacing: SIMD3(repeating: 4)), repeating: 1)
        expectError({ _ = try ImageRegistration(parameters: fastParameters()).register(fixed: small, moving: small, fixedMask: mask) },
                    containing: "dimensions 20x24x24")
    }

    func testImagesThatDoNotOverlapAreRejected() {
        var far = small
        far.geometry.origin += SIMD3(5000, 0, 0)
        var p = fastParameters()
        p.momentsInitialisation = false
        expectError({ _ = try ImageRegistration(parameters: p).register(fixed: small, moving: far) }, containing: "do not overlap")
    }

    func testInvalidParametersAreRejected() {
        var p = fastParameters()
        p.syn!.gradientStep = .nan
        expectError({ _ = try ImageRegistration(parameters: p).register(fixed: small, moving: small) }, containing: "gradient step")
        p = fastParameters()
        p.syn!.radius = 0
        expectError({ _ = try ImageRegistration(parameters: p).register(fixed: small, moving: small) }, containing: "radius")
    }

    /// A nearly featureless moving image (one bright voxel) is a legal but hopeless input: the result must
    /// still be finite everywhere.
    func testDegenerateButValidInputGivesFiniteOutput() throws {
        var spike = Volume<Float>(geometry: small.geometry)
        spike[12, 12, 12] = 100
        let r = try ImageRegistration(parameters: fastParameters()).register(fixed: small, moving: spike)
        XCTAssertFalse(r.warped.hasNonFinite)
        XCTAssertFalse(r.forwardWarp!.data.contains { !$0.isFinite })
        XCTAssertFalse(r.inverseWarp!.data.contains { !$0.isFinite })
        XCTAssertTrue(r.affine.matrix.isFinite)
    }
}
