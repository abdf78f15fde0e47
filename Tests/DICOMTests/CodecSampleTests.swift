import DICOM
import Foundation
import XCTest

/// Every lossless transfer syntax of the same CT slice must decode to the uncompressed voxels.
final class CodecSampleTests: XCTestCase {
    func testLosslessSyntaxesMatchUncompressed() throws {
        let reference = try SampleData.frame("ct_transfer_syntaxes/CT_evrle.dcm")
        XCTAssertEqual(reference.count, 512 * 512)
        XCTAssertEqual(reference.min(), -2000)   // -3024 HU with intercept -1024
        XCTAssertEqual(reference.max(), 2402)    // 1378 HU
        for name in ["ivrle", "evrbe", "deflate", "rle", "jpeg_lossless_p14", "jpeg_lossless_sv1", "jpegls_lossless", "j2k_lossless"] {
            let v = try SampleData.frame("ct_transfer_syntaxes/CT_\(name).dcm")
            XCTAssertEqual(v.count, reference.count, name)
            let diff = zip(v, reference).map { abs($0 - $1) }.max() ?? -1
            XCTAssertEqual(diff, 0, "\(name) differs from the uncompressed slice by up to \(diff)")
        }
    }

    func testLossySyntaxesStayClose() throws {
        let reference = try SampleData.frame("ct_transfer_syntaxes/CT_evrle.dcm")
        for (name, tol) in [("jpegls_nearlossless", Int32(1)), ("j2k_lossy", Int32(5))] {
            let v = try SampleData.frame("ct_transfer_syntaxes/CT_\(name).dcm")
            let diff = zip(v, reference).map { abs($0 - $1) }.max() ?? -1
            XCTAssertLessThanOrEqual(diff, tol, name)
            XCTAssertGreaterThan(diff, 0, "\(name) should be lossy")
        }
    }
}
