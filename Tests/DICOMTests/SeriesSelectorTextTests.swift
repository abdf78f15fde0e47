@testable import DICOM
import Foundation
import XCTest

/// The selection reasons print numbers without `String(format:)`; they must read as printf did.
final class SeriesSelectorTextTests: XCTestCase {
    func testThreeSignificantDigitsMatchesPrintf() {
        for t in [5, 0.5, 0.625, 0.6, 1, 1.25, 1.125, 2.5, 3, 3.75, 4.8, 10, 10.25, 0.6250001, 3.14159, 7.0000001, 12.5, 99.95] {
            XCTAssertEqual(SeriesSelector.threeSignificantDigits(t), String(format: "%.3g", t), "\(t)")
        }
    }
}
