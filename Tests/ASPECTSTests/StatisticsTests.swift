import ASPECTS
import Foundation
import ImageCore
import XCTest

final class StatisticsTests: XCTestCase {
    func testPercentilesMatchNumPyLinearInterpolation() {
        // numpy.percentile([4, 1, 3, 2], q) = 1.3, 1.75, 2.5, 3.25, 3.7; sample sd = sqrt(5/3).
        let s = IntensityStatistics(values: [4, 1, 3, 2])
        XCTAssertEqual(s.count, 4)
        XCTAssertEqual(s.mean, 2.5)
        XCTAssertEqual(s.p10, 1.3, accuracy: 1e-12)
        XCTAssertEqual(s.p25, 1.75, accuracy: 1e-12)
        XCTAssertEqual(s.median, 2.5, accuracy: 1e-12)
        XCTAssertEqual(s.p75, 3.25, accuracy: 1e-12)
        XCTAssertEqual(s.p90, 3.7, accuracy: 1e-12)
        XCTAssertEqual(s.standardDeviation, (5.0 / 3).squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(s.minimum, 1)
        XCTAssertEqual(s.maximum, 4)
        XCTAssertTrue(IntensityStatistics(values: []).mean.isNaN)
        XCTAssertEqual(IntensityStatistics(values: [7]).standardDeviation, 0)
    }

    /// Two boxes labelled as mirror regions on a small grid, filled by `value(i, j, k)`.
    func twoRegions(size: SIMD3<Int> = SIMD3(20, 10, 4), value: (Int, Int, Int) -> Float) -> (Volume<Float>, Volume<UInt8>) {
        let g = Geometry(size: size, spacing: SIMD3(1, 1, 2))
        var ct = Volume<Float>(geometry: g), labels = Volume<UInt8>(geometry: g)
        for k in 0..<size.z { for j in 0..<size.y { for i in 0..<size.x {
            ct[i, j, k] = value(i, j, k)
            labels[i, j, k] = i < size.x / 2 ? 1 : 11
        } } }
        return (ct, labels)
    }

    func testTissueWindowExcludesCSFAndCalcification() throws {
        // Region 1: 30 HU except a column of CSF (2 HU) and one of calcification (300 HU); region 11: 35 HU.
        let (ct, labels) = twoRegions { i, _, _ in i == 0 ? 2 : (i == 1 ? 300 : (i < 10 ? 30 : 35)) }
        let r = try ASPECTSScorer(computeDescriptors: false).score(ct: ct, labels: labels)
        let right = r.result(for: 1)!
        XCTAssertEqual(right.statistics.labelVoxels, 400)
        XCTAssertEqual(right.statistics.tissue.count, 320)
        XCTAssertEqual(right.statistics.excludedFraction, 0.2, accuracy: 1e-12)
        XCTAssertEqual(right.statistics.volumeML, 400 * 2 / 1000.0, accuracy: 1e-12)
        XCTAssertEqual(right.statistics.tissueVolumeML, 320 * 2 / 1000.0, accuracy: 1e-12)
        XCTAssertEqual(right.statistics.tissue.mean, 30)
        XCTAssertEqual(right.asymmetry!.differenceHU, -5)
        XCTAssertEqual(right.asymmetry!.ratio, 30.0 / 35, accuracy: 1e-12)
        XCTAssertTrue(right.affected)  // noise-free: z is -infinity
        XCTAssertEqual(right.call.marginHU, 5 - EarlyIschemicChangeRule.calibrated.thresholdHU, accuracy: 1e-12)
        XCTAssertEqual(r.affectedRegions(.right).map(\.region.code), [1])
        XCTAssertFalse(r.result(for: 11)!.affected)
        // Regions absent from the map are not evaluable and never called; they make their hemisphere
        // not assessable (an unjudged region is not an unaffected one), so neither side gets a number.
        XCTAssertFalse(r.result(for: 5)!.call.evaluable)
        XCTAssertFalse(r.isAssessable(5))
        XCTAssertNil(r.score(.right))
        XCTAssertNil(r.score(.left))
        XCTAssertNil(r.affectedSide)
        XCTAssertEqual(r.status, .notAssessable)
        XCTAssertEqual(r.result(for: 5)!.statistics.labelVoxels, 0)
        // A wider window keeps the CSF column and lowers the mean.
        let wide = try ASPECTSScorer(tissueRange: try HURange(lower: 0, upper: 60), computeDescriptors: false).score(ct: ct, labels: labels)
        XCTAssertEqual(wide.result(for: 1)!.statistics.tissue.count, 360)
    }

    /// Gaussian-smoothed white noise along i and j (sigma in voxels), unit SD before smoothing.
    func smoothedNoise(size: SIMD3<Int>, sigma: Double, rng: inout SplitMix64) -> [Float] {
        let n = size.x * size.y * size.z
        var v = (0..<n).map { _ in Float(rng.gaussian()) }
        let r = Int((3 * sigma).rounded(.up))
        var w = (-r...r).map { exp(-Double($0 * $0) / (2 * sigma * sigma)) }
        let total = w.reduce(0, +)
        w = w.map { $0 / total }
        for (stride, len) in [(1, size.x), (size.x, size.y)] {
            var out = v
            for idx in 0..<n {
                let pos = (idx / stride) % len
                var acc = 0.0
                for (t, wt) in zip(-r...r, w) {
                    let q = Swift.min(len - 1, Swift.max(0, pos + t))
                    acc += wt * Double(v[idx + (q - pos) * stride])
                }
                out[idx] = Float(acc)
            }
            v = out
        }
        return v
    }

    func testZScoreIsStandardNormalUnderCorrelatedNoise() throws {
        // Pure noise, no difference between the regions: z must behave like N(0, 1). Without the
        // effective-sample-size correction its variance would be about 8 here.
        var rng = SplitMix64(seed: 11)
        let size = SIMD3(48, 24, 6)
        var zs: [Double] = [], naive: [Double] = []
        for _ in 0..<150 {
            let noise = smoothedNoise(size: size, sigma: 0.8, rng: &rng)
            let (ct, labels) = twoRegions(size: size) { i, j, k in 35 + 8 * noise[(k * size.y + j) * size.x + i] }
            let r = try ASPECTSScorer(computeDescriptors: false).score(ct: ct, labels: labels)
            let a = r.result(for: 1)!
            zs.append(a.asymmetry!.zScore)
            let s = a.statistics.tissue, m = a.mirrorStatistics.tissue
            naive.append(a.asymmetry!.differenceHU / (s.standardDeviation * s.standardDeviation / Double(s.count)
                + m.standardDeviation * m.standardDeviation / Double(m.count)).squareRoot())
            XCTAssertGreaterThan(a.statistics.effectiveSampleSize.lagCorrelation[0], 0.5)
            XCTAssertLessThan(abs(a.statistics.effectiveSampleSize.lagCorrelation[2]), 0.2)
        }
        func variance(_ x: [Double]) -> Double {
            let m = x.reduce(0, +) / Double(x.count)
            return x.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(x.count - 1)
        }
        XCTAssertEqual(variance(zs), 1, accuracy: 0.35, "z variance \(variance(zs))")
        XCTAssertGreaterThan(variance(naive), 4, "the naive z should be badly over-dispersed")
    }

    func testInflationClosedForms() {
        XCTAssertEqual(EffectiveSampleSize.inflation(lagCorrelation: 0), 1)
        XCTAssertEqual(EffectiveSampleSize.inflation(lagCorrelation: -0.3), 1)
        // rho = 0.5: 1 + 2 (0.5 + 0.5^4 + 0.5^9 + 0.5^16 + ...)
        let terms: [Double] = [0.5, 0.0625, 0.001953125, 0.0000152587890625, pow(0.5, 25)]
        XCTAssertEqual(EffectiveSampleSize.inflation(lagCorrelation: 0.5), 1 + 2 * terms.reduce(0, +), accuracy: 1e-9)
        let e = EffectiveSampleSize(voxels: 1000, lagCorrelation: [0.5, 0.5, 0])
        XCTAssertEqual(e.value, 1000 / pow(EffectiveSampleSize.inflation(lagCorrelation: 0.5), 2), accuracy: 1e-9)
        XCTAssertEqual(EffectiveSampleSize(voxels: 3, lagCorrelation: [0.95, 0.95, 0.95]).value, 1)
    }

    func testSegmentationProbabilityScalesConfidence() throws {
        let (ct, labels) = twoRegions { i, _, _ in i < 10 ? 30 : 35 }
        var prob = Volume<Float>(geometry: ct.geometry, components: 11, repeating: 0)
        // Class 1 (C) gets probability 0.8 everywhere.
        for n in 0..<ct.voxelCount { prob.data[1 * ct.voxelCount + n] = 0.8 }
        let r = try ASPECTSScorer(computeDescriptors: false).score(ct: ct, labels: labels, probabilities: prob)
        let c = r.result(for: 1)!
        XCTAssertEqual(c.segmentationProbability!, 0.8, accuracy: 1e-6)
        XCTAssertEqual(c.confidence, c.call.confidence * 0.8, accuracy: 1e-6)
        XCTAssertNil(r.result(for: 2)!.segmentationProbability)  // no voxels labelled L
        let bad = Volume<Float>(geometry: ct.geometry, components: 5)
        XCTAssertThrowsError(try ASPECTSScorer().score(ct: ct, labels: labels, probabilities: bad))
    }

    func testBadInputIsRejected() throws {
        let (ct, labels) = twoRegions { _, _, _ in 30 }
        var shifted = labels
        shifted.geometry.origin.x += 1
        XCTAssertThrowsError(try ASPECTSScorer().score(ct: ct, labels: shifted)) { e in
            guard case ASPECTSError.gridMismatch = e else { return XCTFail("\(e)") }
        }
        let empty = Volume<UInt8>(geometry: ct.geometry)
        XCTAssertThrowsError(try ASPECTSScorer().score(ct: ct, labels: empty)) { e in
            guard case ASPECTSError.noRegions = e else { return XCTFail("\(e)") }
        }
        XCTAssertThrowsError(try HURange(lower: 60, upper: 10))
    }
}
