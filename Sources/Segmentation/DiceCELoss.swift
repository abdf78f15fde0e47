import Foundation
import ImageCore
import NeuralEngine

/// MONAI's `DiceCELoss` with `to_onehot_y=True`: λ_dice·Dice + λ_ce·CrossEntropy on raw logits.
///
/// * Dice: p = sigmoid(logits) (or softmax over classes); y = one-hot(labels); for every sample n
///   and class c: 1 − (2Σp·y + smoothNr) / (Σp + Σy + smoothDr); mean over n and c (class 0 left
///   out when `includeBackground` is false).
/// * CE: softmax cross-entropy of the logits against the integer labels, mean over voxels (as
///   `torch.nn.CrossEntropyLoss`; the sigmoid flag does not change it, exactly as in MONAI).
public struct DiceCELoss: Sendable {
    public enum Probability: String, Codable, Sendable { case sigmoid, softmax }

    public var probability: Probability = .softmax
    public var includeBackground = true
    public var lambdaDice: Double = 1
    public var lambdaCE: Double = 1
    public var smoothNr: Double = 1e-5
    public var smoothDr: Double = 1e-5

    public init(probability: Probability = .softmax, includeBackground: Bool = true, lambdaDice: Double = 1,
                lambdaCE: Double = 1, smoothNr: Double = 1e-5, smoothDr: Double = 1e-5) {
        self.probability = probability
        self.includeBackground = includeBackground
        self.lambdaDice = lambdaDice
        self.lambdaCE = lambdaCE
        self.smoothNr = smoothNr
        self.smoothDr = smoothDr
    }

    public struct Result {
        public var total: Double
        public var dice: Double
        public var crossEntropy: Double
        /// dL/dlogits, same shape as the logits.
        public var gradient: Tensor
    }

    /// Probabilities of one voxel's logits (stride `inner` between classes) into `p`.
    @inline(__always)
    private func probabilities(_ z: UnsafePointer<Float>, _ inner: Int, _ K: Int, _ p: inout [Double]) {
        switch probability {
        case .sigmoid:
            for k in 0..<K { p[k] = 1 / (1 + Foundation.exp(-Double(z[k * inner]))) }
        case .softmax:
            var m = -Double.infinity
            for k in 0..<K { m = Swift.max(m, Double(z[k * inner])) }
            var s = 0.0
            for k in 0..<K { p[k] = Foundation.exp(Double(z[k * inner]) - m); s += p[k] }
            for k in 0..<K { p[k] /= s }
        }
    }

    public func callAsFunction(_ logits: Tensor, _ labels: LabelMap) throws -> Result {
        let N = logits.shape[0], K = logits.shape[1]
        let V = logits.count / Swift.max(1, N * K)
        guard labels.batch == N, labels.voxelsPerSample == V else {
            throw SegmentationError.invalidInput("labels \(labels.shape) do not match logits \(logits.shape)")
        }
        if let bad = labels.data.first(where: { $0 < 0 || Int($0) >= K }) {
            throw SegmentationError.invalidInput("label \(bad) is outside 0..<\(K)")
        }
        let chunk = 16384
        let pieces = (V + chunk - 1) / chunk
        // Pass 1: per (n, piece) sums of p·y, p, y for every class, and the CE sum.
        var inter = [Double](repeating: 0, count: N * pieces * K), psum = inter, ysum = inter
        var ce = [Double](repeating: 0, count: N * pieces)
        logits.data.withUnsafeBufferPointer { zb in
            labels.data.withUnsafeBufferPointer { lb in
                inter.withUnsafeMutableBufferPointer { ib in
                    psum.withUnsafeMutableBufferPointer { pb in
                        ysum.withUnsafeMutableBufferPointer { yb in
                            ce.withUnsafeMutableBufferPointer { cb in
                                let (ib, pb, yb, cb) = (ib, pb, yb, cb)
                                parallelFor(N * pieces) { item in
                                    let n = item / pieces, lo = (item % pieces) * chunk, hi = Swift.min(V, lo + chunk)
                                    var p = [Double](repeating: 0, count: K)
                                    var ceAcc = 0.0
                                    let base = item * K
                                    for v in lo..<hi {
                                        let z = zb.baseAddress! + n * K * V + v
                                        let y = Int(lb[n * V + v])
                                        probabilities(z, V, K, &p)
                                        for k in 0..<K { pb[base + k] += p[k] }
                                        ib[base + y] += p[y]
                                        yb[base + y] += 1
                                        var m = -Double.infinity
                                        for k in 0..<K { m = Swift.max(m, Double(z[k * V])) }
                                        var s = 0.0
                                        for k in 0..<K { s += Foundation.exp(Double(z[k * V]) - m) }
                                        ceAcc += m + Foundation.log(s) - Double(z[y * V])
                                    }
                                    cb[item] = ceAcc
                                }
                            }
                        }
                    }
                }
            }
        }
        var I = [Double](repeating: 0, count: N * K), P = I, G = I
        var ceTotal = 0.0
        for n in 0..<N {
            for piece in 0..<pieces {
                let item = n * pieces + piece
                ceTotal += ce[item]
                for k in 0..<K { I[n * K + k] += inter[item * K + k]; P[n * K + k] += psum[item * K + k]; G[n * K + k] += ysum[item * K + k] }
            }
        }
        let firstClass = includeBackground ? 0 : 1
        let terms = Double(N * (K - firstClass))
        var dice = 0.0
        // dL/dp_k at a voxel = a[n,k] + b[n,k]·y_k (y one-hot).
        var a = [Double](repeating: 0, count: N * K), b = a
        for n in 0..<N {
            for k in firstClass..<K {
                let i = n * K + k
                let D = P[i] + G[i] + smoothDr, Nm = 2 * I[i] + smoothNr
                dice += 1 - Nm / D
                let w = lambdaDice / terms
                a[i] = w * Nm / (D * D)
                b[i] = -w * 2 / D
            }
        }
        dice /= terms
        let ceMean = ceTotal / Double(N * V)
        // Pass 2: the gradient.
        var grad = Tensor(shape: logits.shape)
        let ceScale = lambdaCE / Double(N * V)
        logits.data.withUnsafeBufferPointer { zb in
            labels.data.withUnsafeBufferPointer { lb in
                grad.data.withUnsafeMutableBufferPointer { gb in
                    let gb = gb
                    parallelFor(N * pieces) { item in
                        let n = item / pieces, lo = (item % pieces) * chunk, hi = Swift.min(V, lo + chunk)
                        var p = [Double](repeating: 0, count: K), q = p, dp = p
                        for v in lo..<hi {
                            let z = zb.baseAddress! + n * K * V + v
                            let y = Int(lb[n * V + v])
                            probabilities(z, V, K, &p)
                            for k in 0..<K { dp[k] = a[n * K + k] + (k == y ? b[n * K + k] : 0) }
                            let g = gb.baseAddress! + n * K * V + v
                            switch probability {
                            case .sigmoid:
                                for k in 0..<K { q[k] = dp[k] * p[k] * (1 - p[k]) }
                            case .softmax:
                                var dot = 0.0
                                for k in 0..<K { dot += dp[k] * p[k] }
                                for k in 0..<K { q[k] = p[k] * (dp[k] - dot) }
                            }
                            // Softmax for the CE part (recomputed when dice used sigmoid).
                            var m = -Double.infinity
                            for k in 0..<K { m = Swift.max(m, Double(z[k * V])) }
                            var s = 0.0
                            for k in 0..<K { s += Foundation.exp(Double(z[k * V]) - m) }
                            for k in 0..<K {
                                let sm = Foundation.exp(Double(z[k * V]) - m) / s
                                g[k * V] = Float(q[k] + ceScale * (sm - (k == y ? 1 : 0)))
                            }
                        }
                    }
                }
            }
        }
        return Result(total: lambdaDice * dice + lambdaCE * ceMean, dice: dice, crossEntropy: ceMean, gradient: grad)
    }
}
