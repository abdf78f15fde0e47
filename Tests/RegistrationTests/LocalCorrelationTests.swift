import ImageCore
import Registration
import XCTest

/// LNCC against a brute-force evaluation and its gradient against finite differences.
final class LocalCorrelationTests: XCTestCase {
    func randomVolume(_ s: SIMD3<Int>, seed: UInt64) -> Volume<Float> {
        var rng = SplitMix64(seed: seed)
        var v = Volume<Float>(geometry: Geometry(size: s))
        for q in 0..<v.voxelCount { v.data[q] = Float(rng.uniform()) }
        return v
    }

    /// Direct O(N r^3) evaluation of the same definition (truncated windows, mean over voxels).
    func bruteForce(_ f: Volume<Float>, _ m: Volume<Float>, r: Int) -> Double {
        let s = f.size
        var total = 0.0
        for k in 0..<s.z { for j in 0..<s.y { for i in 0..<s.x {
            var sf = 0.0, sm = 0.0, sff = 0.0, smm = 0.0, sfm = 0.0, n = 0.0
            for c in max(0, k - r)...min(s.z - 1, k + r) { for b in max(0, j - r)...min(s.y - 1, j + r) { for a in max(0, i - r)...min(s.x - 1, i + r) {
                let x = Double(f[a, b, c]), y = Double(m[a, b, c])
                sf += x; sm += y; sff += x * x; smm += y * y; sfm += x * y; n += 1
            } } }
            let bb = sff - sf * sf / n, cc = smm - sm * sm / n, aa = sfm - sf * sm / n
            if bb > 1e-4 * n && cc > 1e-4 * n { total += aa * aa / (bb * cc) }
        } } }
        return total / Double(f.voxelCount)
    }

    func testValueMatchesBruteForce() throws {
        let s = SIMD3(9, 7, 6)
        let f = randomVolume(s, seed: 1)
        var m = randomVolume(s, seed: 2)
        for q in 0..<m.voxelCount { m.data[q] = 0.6 * f.data[q] + 0.4 * m.data[q] }
        for r in [1, 2, 4] {
            let lncc = LocalCorrelation(size: s, radius: r)
            let got = try lncc.evaluate(fixed: f, moving: m).value
            XCTAssertEqual(got, bruteForce(f, m, r: r), accuracy: 1e-4, "radius \(r)")
        }
    }

    func testGradientMatchesFiniteDifferences() throws {
        let s = SIMD3(10, 9, 8)
        let f = randomVolume(s, seed: 3)
        var m = randomVolume(s, seed: 4)
        for q in 0..<m.voxelCount { m.data[q] = 0.5 * f.data[q] + 0.5 * m.data[q] }
        let lncc = LocalCorrelation(size: s, radius: 2)
        let base = try lncc.evaluate(fixed: f, moving: m)
        let h: Float = 1e-2
        for q in [0, 17, 123, 355, 719] {
            var mp = m, mm = m, fp = f, fm = f
            mp.data[q] += h; mm.data[q] -= h
            fp.data[q] += h; fm.data[q] -= h
            let dM = (try lncc.evaluate(fixed: f, moving: mp).value - lncc.evaluate(fixed: f, moving: mm).value) / Double(2 * h)
            let dF = (try lncc.evaluate(fixed: fp, moving: m).value - lncc.evaluate(fixed: fm, moving: m).value) / Double(2 * h)
            XCTAssertEqual(Double(base.movingDerivative.data[q]), dM, accuracy: 2e-3 * max(1, abs(dM)) + 2e-5, "dS/dM at \(q)")
            XCTAssertEqual(Double(base.fixedDerivative.data[q]), dF, accuracy: 2e-3 * max(1, abs(dF)) + 2e-5, "dS/dF at \(q)")
        }
    }

    func testIdenticalImagesCorrelatePerfectly() throws {
        let s = SIMD3(12, 12, 12)
        let f = randomVolume(s, seed: 5)
        var m = f
        for q in 0..<m.voxelCount { m.data[q] = 3 * f.data[q] + 7 }  // LNCC is invariant to a linear intensity map
        let r = try LocalCorrelation(size: s, radius: 2).evaluate(fixed: f, moving: m)
        XCTAssertEqual(r.value, 1, accuracy: 1e-3)
        XCTAssertLessThan(r.movingDerivative.data.map { abs($0) }.max()!, 1e-4)
    }
}
