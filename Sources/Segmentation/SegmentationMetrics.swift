import NeuralEngine



/// Overlap metrics on hard label maps.
public enum SegmentationMetrics {
    /// Per-sample, per-class voxel counts: intersection, predicted, reference.
    static func counts(_ pred: LabelMap, _ ref: LabelMap, classes K: Int) -> (i: [Double], p: [Double], g: [Double]) {
        let N = ref.batch, V = ref.voxelsPerSample
        var i = [Double](repeating: 0, count: N * K), p = i, g = i
        for n in 0..<N {
            for v in 0..<V {
                let a = Int(pred.data[n * V + v]), b = Int(ref.data[n * V + v])
                if a >= 0 && a < K { p[n * K + a] += 1 }
                if b >= 0 && b < K { g[n * K + b] += 1 }
                if a == b && a >= 0 && a < K { i[n * K + a] += 1 }
            }
        }
        return (i, p, g)
    }

    /// Dice per class over the whole batch (classes 0..<K); nil where the class is absent from both.
    public static func perClassDice(_ pred: LabelMap, _ ref: LabelMap, classes K: Int) -> [Double?] {
        let (i, p, g) = counts(pred, ref, classes: K)
        return (0..<K).map { k in
            var I = 0.0, S = 0.0
            for n in 0..<ref.batch { I += i[n * K + k]; S += p[n * K + k] + g[n * K + k] }
            return S == 0 ? nil : 2 * I / S
        }
    }

    /// Mean of the foreground classes' Dice (class 0 is background), skipping absent classes.
    public static func meanDice(_ pred: LabelMap, _ ref: LabelMap, classes K: Int) -> Double {
        let d = perClassDice(pred, ref, classes: K).dropFirst().compactMap { $0 }
        return d.isEmpty ? 1 : d.reduce(0, +) / Double(d.count)
    }

    /// Generalized Dice score (Sudre et al. 2017) as MONAI's `GeneralizedDiceScore(weight_type="square",
    /// reduction="mean")`: per sample 2Σ_c w_c|P_c∩G_c| / Σ_c w_c(|P_c|+|G_c|) with w_c = 1/|G_c|²
    /// (classes absent from the reference take the largest finite weight), then the batch mean.
    public static func generalizedDice(_ pred: LabelMap, _ ref: LabelMap, classes K: Int, includeBackground: Bool = true) -> Double {
        let (i, p, g) = counts(pred, ref, classes: K)
        let first = includeBackground ? 0 : 1
        var total = 0.0
        for n in 0..<ref.batch {
            var w = (first..<K).map { k -> Double in g[n * K + k] > 0 ? 1 / (g[n * K + k] * g[n * K + k]) : .infinity }
            let finiteMax = w.filter { $0.isFinite }.max() ?? 0
            w = w.map { $0.isFinite ? $0 : (finiteMax > 0 ? finiteMax : 1) }
            var num = 0.0, den = 0.0
            for (j, k) in (first..<K).enumerated() {
                num += w[j] * i[n * K + k]
                den += w[j] * (p[n * K + k] + g[n * K + k])
            }
            total += den == 0 ? 1 : 2 * num / den
        }
        return total / Double(ref.batch)
    }

    /// Class index of the largest logit per voxel of [N, K, ...] logits.
    public static func argmax(_ logits: Tensor) -> LabelMap {
        let N = logits.shape[0], K = logits.shape[1], V = logits.count / Swift.max(1, N * K)
        var out = [Int32](repeating: 0, count: N * V)
        for n in 0..<N {
            for v in 0..<V {
                var best = 0
                var bv = logits.data[n * K * V + v]
                for k in 1..<K where logits.data[(n * K + k) * V + v] > bv { bv = logits.data[(n * K + k) * V + v]; best = k }
                out[n * V + v] = Int32(best)
            }
        }
        return LabelMap(shape: [N] + Array(logits.shape.dropFirst(2)), data: out)
    }
}
