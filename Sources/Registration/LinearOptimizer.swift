import Foundation

/// Gradient descent with step-length control for rigid and affine maps, in "millimetre" parameter units.
///
/// Parameters are scaled so a unit change moves the samples by about one millimetre (rotations by the
/// samples' RMS radius, matrix columns by the RMS of that coordinate), which makes one step length fit
/// all of them. Each iteration tries a step of length `step` along the normalised descent direction; an
/// improvement is accepted and lengthens the next step a little, a failure halves it. The loop ends when the
/// step falls below `minimumStep`, the iteration budget is spent, or the windowed slope of the cost
/// flattens (ANTs' convergence test).
struct LinearOptimizer {
    enum Model: String { case rigid, affine }

    let model: Model
    let iterations: Int
    let initialStep: Double
    let maximumStep: Double
    let minimumStep: Double
    let convergenceWindow: Int
    let convergenceThreshold: Double
    /// Affine steps are projected into these bounds (`ScaleBounds`); nil leaves them free.
    var scaleBounds: ScaleBounds? = nil

    struct State {
        var linear: [Double]
        var translation: SIMD3<Double>
    }

    /// Returns the best state found and the cost after each accepted step (first entry: start).
    func run(_ evaluator: LinearMetricEvaluator, from start: State) -> (State, [Double]) {
        guard var current = evaluator.evaluate(linear: start.linear, translation: start.translation) else {
            return (start, [])
        }
        var state = start
        var history = [current.cost]
        var monitor = ConvergenceMonitor(window: convergenceWindow, threshold: convergenceThreshold)
        monitor.add(current.cost)
        var step = initialStep
        let r = evaluator.rms
        var it = 0
        while it < iterations && step >= minimumStep {
            it += 1
            let trial = propose(state, gradA: current.gradA, gradT: current.gradT, step: step, rms: r)
            guard let next = evaluator.evaluate(linear: trial.linear, translation: trial.translation) else {
                step *= 0.5
                continue
            }
            if next.cost < current.cost {
                state = trial
                current = next
                history.append(next.cost)
                monitor.add(next.cost)
                step = Swift.min(step * 1.2, maximumStep)
                if monitor.hasConverged { break }
            } else {
                step *= 0.5
            }
        }
        return (state, history)
    }

    /// A step of length `step` (mm) against the scaled gradient.
    private func propose(_ s: State, gradA: [Double], gradT: SIMD3<Double>, step: Double, rms: SIMD3<Double>) -> State {
        let radius = (rms * rms).sum().squareRoot()
        switch model {
        case .rigid:
            // torque: d cost / d omega for a left rotation exp([omega]x) A, from grad_A (see evaluator)
            var n = [Double](repeating: 0, count: 9)
            for i in 0..<3 { for j in 0..<3 { for l in 0..<3 { n[i * 3 + j] += s.linear[i * 3 + l] * gradA[j * 3 + l] } } }
            let torque = SIMD3<Double>(n[1 * 3 + 2] - n[2 * 3 + 1], n[2 * 3 + 0] - n[0 * 3 + 2], n[0 * 3 + 1] - n[1 * 3 + 0])
            let gw = torque / radius
            let norm = ((gw * gw).sum() + (gradT * gradT).sum()).squareRoot()
            guard norm > 0 else { return s }
            let omega = -gw / norm * step / radius
            let dt = -gradT / norm * step
            let rot = LinearOptimizer.rodrigues(omega)
            return State(linear: AffineTransform3D.multiply3(rot, s.linear), translation: s.translation + dt)
        case .affine:
            var g = [Double](repeating: 0, count: 12)
            for i in 0..<3 { for j in 0..<3 { g[i * 3 + j] = gradA[i * 3 + j] / rms[j] } }
            g[9] = gradT.x; g[10] = gradT.y; g[11] = gradT.z
            let norm = g.reduce(0) { $0 + $1 * $1 }.squareRoot()
            guard norm > 0 else { return s }
            var a = s.linear
            for i in 0..<3 { for j in 0..<3 { a[i * 3 + j] -= g[i * 3 + j] / norm * step / rms[j] } }
            let dt = -SIMD3(g[9], g[10], g[11]) / norm * step
            return State(linear: scaleBounds?.project(a) ?? a, translation: s.translation + dt)
        }
    }

    /// Rotation matrix exp([w]x).
    static func rodrigues(_ w: SIMD3<Double>) -> [Double] {
        let th = (w * w).sum().squareRoot()
        if th < 1e-15 { return [1, 0, 0, 0, 1, 0, 0, 0, 1] }
        let k = w / th
        let c = cos(th), s = sin(th), v = 1 - c
        return [c + k.x * k.x * v, k.x * k.y * v - k.z * s, k.x * k.z * v + k.y * s,
                k.y * k.x * v + k.z * s, c + k.y * k.y * v, k.y * k.z * v - k.x * s,
                k.z * k.x * v - k.y * s, k.z * k.y * v + k.x * s, c + k.z * k.z * v]
    }
}
