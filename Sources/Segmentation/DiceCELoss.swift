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
        let sigmoid = probability == .sigmoid
        // Pass 1: softmax (for CE, and for Dice unless sigmoid) and the Dice probabilities, kept for
        // pass 2; per (n, piece) sums of p·y, p and y per class, and the CE sum.
        var soft = [Float](repeating: 0, count: logits.count)
        var diceP = sigmoid ? [Float](repeating: 0, count: logits.count) : []
        var inter = [Double](repeating: 0, count: N * pieces * K), psum = inter, ysum = inter
        var ce = [Double](repeating: 0, count: N * pieces)
        logits.data.withUnsafeBufferPointer { zb in
          labels.data.withUnsafeBufferPointer { lb in
            soft.withUnsafeMutableBufferPointer { sb in
              diceP.withUnsafeMutableBufferPointer { db in
                inter.withUnsafeMutableBufferPointer { ib in
                  psum.withUnsafeMutableBufferPointer { pb in
                    ysum.withUnsafeMutableBufferPointer { yb in
                      ce.withUnsafeMutableBufferPointer { cb in
                        let (sb, db, ib, pb, yb, cb) = (sb, db, ib, pb, yb, cb)
                        parallelFor(N * pieces) { item in
                            let n = item / pieces, lo = (item % pieces) * chunk, hi = Swift.min(V, lo + chunk)
                            let base = item * K
                            var ceAcc = 0.0
                            var pAcc = [Float](repeating: 0, count: K)
                            var run = 0
                            for v in lo..<hi {
                                let z = zb.baseAddress! + n * K * V + v
                                let sm = sb.baseAddress! + n * K * V + v
                                let y = Int(lb[n * V + v])
                                var m = -Float.infinity
                                for k in 0..<K { m = Swift.max(m, z[k * V]) }
                                var sum: Float = 0
                                for k in 0..<K { let e = Foundation.exp(z[k * V] - m); sm[k * V] = e; sum += e }
                                let inv = 1 / sum
                                for k in 0..<K { sm[k * V] *= inv }
                                ceAcc += Double(m + Foundation.log(sum) - z[y * V])
                                if sigmoid {
                                    let dp = db.baseAddress! + n * K * V + v
                                    for k in 0..<K { let p = 1 / (1 + Foundation.exp(-z[k * V])); dp[k * V] = p; pAcc[k] += p }
                                    ib[base + y] += Double(dp[y * V])
                                } else {
                                    for k in 0..<K { pAcc[k] += sm[k * V] }
                                    ib[base + y] += Double(sm[y * V])
                                }
                                yb[base + y] += 1
                                run += 1
                                if run == 64 {
                                    for k in 0..<K { pb[base + k] += Double(pAcc[k]); pAcc[k] = 0 }
                                    run = 0
                                }
                            }
                            for k in 0..<K { pb[base + k] += Double(pAcc[k]) }
                            cb[item] = ceAcc
                        }
                      }
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
        // Pass 2: the gradient, from the kept probabilities.
        var grad = Tensor(shape: logits.shape)
        let ceScale = Float(lambdaCE / Double(N * V))
        let af = a.map { Float($0) }, bf = b.map { Float($0) }
        soft.withUnsafeBufferPointer { sb in
          diceP.withUnsafeBufferPointer { db in
            labels.data.withUnsafeBufferPointer { lb in
                grad.data.withUnsafeMutableBufferPointer { gb in
                    let gb = gb
                    parallelFor(N * pieces) { item in
                        let n = item / pieces, lo = (item % pieces) * chunk, hi = Swift.min(V, lo + chunk)
                        var q = [Float](repeating: 0, count: K)
                        for v in lo..<hi {
                            let off = n * K * V + v
                            let sm = sb.baseAddress! + off, g = gb.baseAddress! + off
                            let y = Int(lb[n * V + v])
                            if sigmoid {
                                let p = db.baseAddress! + off
                                for k in 0..<K {
                                    let dp = af[n * K + k] + (k == y ? bf[n * K + k] : 0)
                                    q[k] = dp * p[k * V] * (1 - p[k * V])
                                }
                            } else {
                                var dot: Float = 0
                                for k in 0..<K { dot += (af[n * K + k] + (k == y ? bf[n * K + k] : 0)) * sm[k * V] }
                                for k in 0..<K { q[k] = sm[k * V] * (af[n * K + k] + (k == y ? bf[n * K + k] : 0) - dot) }
                            }
                            for k in 0..<K { g[k * V] = q[k] + ceScale * (sm[k * V] - (k == y ? 1 : 0)) }
                        }
                    }
                }
            }
          }
        }
        return Result(total: lambdaDice * dice + lambdaCE * ceMean, dice: dice, crossEntropy: ceMean, gradient: grad)
    }
}
