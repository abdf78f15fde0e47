import ASPECTS
import XCTest

final class RegionTableTests: XCTestCase {
    func testCanonicalTable() {
        XCTAssertEqual(ASPECTSRegion.all.count, 20)
        XCTAssertEqual(ASPECTSRegion.all.map(\.code), Array(1...20))
        XCTAssertEqual(ASPECTSRegion(code: 1)!.name, "C")
        XCTAssertEqual(ASPECTSRegion(code: 1)!.hemisphere, .right)
        XCTAssertEqual(ASPECTSRegion(code: 5)!.name, "M1")
        XCTAssertEqual(ASPECTSRegion(code: 10)!.name, "M6")
        XCTAssertEqual(ASPECTSRegion(code: 13)!.name, "IC")
        XCTAssertEqual(ASPECTSRegion(code: 13)!.hemisphere, .left)
        XCTAssertNil(ASPECTSRegion(code: 0))
        XCTAssertNil(ASPECTSRegion(code: 21))
        for r in ASPECTSRegion.all {
            XCTAssertEqual(r.mirror.mirror, r)
            XCTAssertEqual(r.mirror.name, r.name)
            XCTAssertNotEqual(r.mirror.hemisphere, r.hemisphere)
            XCTAssertEqual(r.classIndex, r.mirror.classIndex)
            XCTAssertTrue((1...10).contains(r.classIndex))
            XCTAssertEqual(ASPECTSRegion(name: r.name.lowercased(), hemisphere: r.hemisphere), r)
            XCTAssertEqual(ASPECTSRegion(classIndex: r.classIndex, hemisphere: r.hemisphere), r)
        }
        XCTAssertEqual(ASPECTSRegion.all.filter(\.isSupraganglionic).map(\.name), ["M4", "M5", "M6", "M4", "M5", "M6"])
        XCTAssertEqual(ASPECTSRegion.regions(of: .left).map(\.code), Array(11...20))
        XCTAssertNil(ASPECTSRegion(name: "M7", hemisphere: .left))
        XCTAssertNil(ASPECTSRegion(classIndex: 0, hemisphere: .left))
    }
}
