/// Decides when an optimisation has stopped improving, the way ANTs does: fit a line to the last `window`
/// energies (lower is better) and stop when its slope, relative to the energy scale, is flatter than
/// `threshold` per iteration.
struct ConvergenceMonitor {
    let window: Int
    let threshold: Double
    private(set) var energies: [Double] = []

    init(window: Int, threshold: Double) {
        self.window = Swift.max(3, window)
        self.threshold = threshold
    }

    mutating func add(_ e: Double) { energies.append(e) }

    /// Least-squares slope of the last `window` energies divided by their mean magnitude.
    var relativeSlope: Double? {
        guard energies.count >= window else { return nil }
        let ys = energies.suffix(window)
        let n = Double(window)
        let mx = (n - 1) / 2
        let my = ys.reduce(0, +) / n
        var sxy = 0.0, sxx = 0.0
        for (i, y) in ys.enumerated() {
            sxy += (Double(i) - mx) * (y - my)
            sxx += (Double(i) - mx) * (Double(i) - mx)
        }
        let scale = Swift.max(ys.map { Swift.abs($0) }.reduce(0, +) / n, 1e-12)
        return sxy / sxx / scale
    }

    /// True once the energy no longer decreases faster than the threshold.
    var hasConverged: Bool {
        guard let s = relativeSlope else { return false }
        return -s < threshold
    }
}
