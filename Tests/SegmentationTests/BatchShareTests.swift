import Segmentation
import XCTest

/// How a global batch is cut over the ranks of a data-parallel run.
final class BatchShareTests: XCTestCase {
    func testSharesCoverTheBatchInOrderAndDifferByAtMostOne() {
        for size in 1...5 {
            for count in 0...11 {
                let shares = (0..<size).map { batchShare(count, rank: $0, size: size) }
                XCTAssertEqual(shares.first?.lowerBound, 0)
                XCTAssertEqual(shares.last?.upperBound, count)
                for r in 1..<size { XCTAssertEqual(shares[r - 1].upperBound, shares[r].lowerBound) }
                let sizes = shares.map(\.count)
                XCTAssertLessThanOrEqual(sizes.max()! - sizes.min()!, 1, "count \(count), size \(size)")
                XCTAssertEqual(sizes[0], sizes.max()!, "rank 0 never has fewer")
            }
        }
        XCTAssertEqual(batchShare(3, rank: 0, size: 2), 0..<2)
        XCTAssertEqual(batchShare(3, rank: 1, size: 2), 2..<3)
        XCTAssertEqual(SingleProcessCommunicator().share(of: 5), 0..<5)
    }
}
