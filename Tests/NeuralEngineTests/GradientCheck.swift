import XCTest
import NeuralEngine

/// Finite-difference gradient check.
///
/// The scalar loss is L = Σ y·R (Float64 sum) for a fixed random R, so dL/dy = R and the op's
/// backward of R must equal the central differences (L(v + h) − L(v − h)) / 2h of every input
/// element and every parameter element. The comparison is the relative L2 error of the whole
/// gradient, with `tolerance` sized for Float32 forwards (h = 3e-3).
func assertGradients(_ name: String, inputs: [Tensor], params: [Parameter] = [], seed: UInt64 = 7,
                     h: Float = 3e-3, tolerance: Double = 1e-2,
                     forward: ([Tensor]) throws -> Tensor, backward: (Tensor) throws -> [Tensor],
                     file: StaticString = #filePath, line: UInt = #line) throws {
    var rng = RandomSource(seed: seed)
    let y = try forward(inputs)
    let r = rng.tensor(y.shape)
    for p in params { p.zeroGrad() }
    let analytic = try backward(r)
    XCTAssertEqual(analytic.count, inputs.count, "\(name): one gradient per input", file: file, line: line)
    let paramGrads = params.map(\.grad)

    func loss(_ xs: [Tensor]) throws -> Double { weightedSum(try forward(xs), r) }

    for (k, x) in inputs.enumerated() {
        var numeric = Tensor(shape: x.shape)
        for j in 0..<x.count {
            var plus = inputs, minus = inputs
            plus[k].data[j] += h
            minus[k].data[j] -= h
            numeric.data[j] = Float((try loss(plus) - loss(minus)) / Double(2 * h))
        }
        let err = relativeError(analytic[k], numeric)
        XCTAssertLessThan(err, tolerance, "\(name): input \(k) gradient relative error \(err)", file: file, line: line)
    }
    for (k, p) in params.enumerated() {
        var numeric = Tensor(shape: p.shape)
        for j in 0..<p.value.count {
            let saved = p.value.data[j]
            p.value.data[j] = saved + h
            let lp = try loss(inputs)
            p.value.data[j] = saved - h
            let lm = try loss(inputs)
            p.value.data[j] = saved
            numeric.data[j] = Float((lp - lm) / Double(2 * h))
        }
        let err = relativeError(paramGrads[k], numeric)
        XCTAssertLessThan(err, tolerance, "\(name): parameter \(k) \(p.shape) gradient relative error \(err)", file: file, line: line)
    }
}

func relativeError(_ a: Tensor, _ b: Tensor) -> Double {
    var num = 0.0, den = 0.0
    for i in 0..<a.count {
        let d = Double(a.data[i]) - Double(b.data[i])
        num += d * d
        den += Double(b.data[i]) * Double(b.data[i])
    }
    return (num / Swift.max(den, 1e-20)).squareRoot()
}
