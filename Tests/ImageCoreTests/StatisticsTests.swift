import XCTest
import ImageCore

final class StatisticsTests: XCTestCase {
    /// numpy's default (linear) percentile on a sorted array.
    func referencePercentile(_ sorted: [Double], _ p: Double) -> Double {
        let h = Double(sorted.count - 1) * p / 100
        let lo = Int(h.rounded(.down)), hi = min(lo + 1, sorted.count - 1)
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (h - Double(lo))
    }

    func testMatchesDirectComputationWithNaNsAndMask() throws {
        let g = Geometry(size: SIMD3(50, 50, 50))
        var rng = SplitMix64(seed: 41)
        var values = [Float](repeating: 0, count: g.voxelCount)
        for n in 0..<values.count {
            // CT-like: many exact ties (air, water) plus a continuous part and a few NaNs.
            switch Int.random(in: 0..<10, using: &rng) {
            case 0, 1, 2: values[n] = -1024
            case 3: values[n] = 0
            case 4 where Int.random(in: 0..<50, using: &rng) == 0: values[n] = .nan
            default: values[n] = Float(rng.uniform() * 120 - 20)
            }
        }
        let v = try Volume<Float>(geometry: g, data: values)
        var mask = Volume<UInt8>(geometry: g)
        for n in 0..<mask.voxelCount where Int.random(in: 0..<3, using: &rng) == 0 { mask.data[n] = 1 }
        for m in [nil, mask] {
            let selected = (0..<values.count).filter { m == nil || m!.data[$0] != 0 }
            let finite = selected.map { Double(values[$0]) }.filter { !$0.isNaN }
            let nan = selected.count - finite.count
            let mean = finite.reduce(0, +) / Double(finite.count)
            let std = (finite.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(finite.count)).squareRoot()
            let s = try v.statistics(mask: m)
            XCTAssertEqual(s.count, finite.count)
            XCTAssertEqual(s.nanCount, nan)
            XCTAssertGreaterThan(nan, 0)
            XCTAssertEqual(s.min, finite.min()!)
            XCTAssertEqual(s.max, finite.max()!)
            XCTAssertEqual(s.mean, mean, accuracy: 1e-9 * abs(mean) + 1e-9)
            XCTAssertEqual(s.standardDeviation, std, accuracy: 1e-9 * std)
            let sorted = finite.sorted()
            let ps = [0, 0.5, 1, 2, 25, 29.9, 50, 75, 98, 99.5, 100]
            let got = try v.percentiles(ps, mask: m)
            for (p, x) in zip(ps, got) { XCTAssertEqual(x, referencePercentile(sorted, p), accuracy: 1e-9, "p\(p)") }
            XCTAssertEqual(try v.percentile(0, mask: m), finite.min()!)
            XCTAssertEqual(try v.percentile(100, mask: m), finite.max()!)
        }
    }

    func testIntegerVolumesAndTinySelections() throws {
        let g = Geometry(size: SIMD3(3, 1, 1))
        let v = try Volume<Int16>(geometry: g, data: [7, -3, 12])
        let s = try v.statistics()
        XCTAssertEqual(s.min, -3); XCTAssertEqual(s.max, 12); XCTAssertEqual(s.mean, 16.0 / 3, accuracy: 1e-12)
        XCTAssertEqual(try v.percentiles([0, 25, 50, 100]), [-3, 2, 7, 12])
        let one = try Volume<Int16>(geometry: g, data: [7, 7, 7])
        XCTAssertEqual(try one.statistics().standardDeviation, 0)
        var mask = Volume<UInt8>(geometry: g)
        mask.data[2] = 1
        XCTAssertEqual(try v.percentiles([10, 90], mask: mask), [12, 12])
    }

    func testEmptySelectionsAndBadArgumentsThrow() throws {
        let g = Geometry(size: SIMD3(4, 4, 4))
        let v = randomFloatVolume(g, seed: 42)
        let empty = Volume<UInt8>(geometry: g)
        XCTAssertThrowsError(try v.statistics(mask: empty)) { error in
            guard case ImageCoreError.emptySelection = error else { return XCTFail("wrong error \(error)") }
        }
        XCTAssertThrowsError(try v.percentile(50, mask: empty)) { error in
            guard case ImageCoreError.emptySelection = error else { return XCTFail("wrong error \(error)") }
        }
        let nans = Volume<Float>(geometry: g, repeating: .nan)
        XCTAssertThrowsError(try nans.statistics())
        XCTAssertThrowsError(try nans.percentile(50))
        XCTAssertThrowsError(try v.percentile(101))
        XCTAssertThrowsError(try v.percentile(.nan))
        XCTAssertThrowsError(try v.statistics(mask: Volume<UInt8>(geometry: Geometry(size: SIMD3(4, 4, 5)))))
        var moved = g
        moved.origin.x += 1
        XCTAssertThrowsError(try v.statistics(mask: Volume<UInt8>(geometry: moved, repeating: 1)))
    }

    func testThreadCountDoesNotChangeTheResult() throws {
        let v = randomFloatVolume(Geometry(size: SIMD3(70, 60, 50)), seed: 43)
        let one = try withThreads(1) { try v.statistics() }
        let two = try withThreads(2) { try v.statistics() }
        XCTAssertEqual(one, two)
    }
}
