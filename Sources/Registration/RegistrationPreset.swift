/// Named parameter sets for the CLI's `--preset`.
public enum RegistrationPreset: String, Codable, Sendable, CaseIterable {
    /// Greedy (moving-only) SyN that stops at a 2 mm working grid: for previews and batch triage.
    case fast
    /// Symmetric SyN down to 1 mm (or the fixed image's spacing if coarser).
    case `default`
    /// Symmetric SyN with many more iterations, larger steps and a smoother update, for large deformations.
    case aggressive

    public var parameters: RegistrationParameters {
        switch self {
        case .fast:
            return RegistrationParameters(
                linear: LinearParameters(levels: schedule([8: 60, 4: 40]), maximumSamples: 30_000),
                syn: SyNParameters(levels: schedule([8: 60, 4: 40, 2: 20]),
                                   gradientStep: 0.3, updateSigma: 1.732, totalSigma: 0.5, radius: 2, symmetric: false),
                minimumSpacing: 2)
        case .default:
            return RegistrationParameters(
                linear: LinearParameters(levels: schedule([8: 100, 4: 60, 2: 30])),
                // More iterations or a larger update σ help the noise-free known-deformation benchmark
                // (+0.01 to +0.03 Dice) but cost 0.005-0.015 on the noisy, skull-stripped synthetic patient of
                // LabelTransferTests, which is closer to real scans; they went to `aggressive` instead.
                syn: SyNParameters(levels: schedule([8: 80, 4: 60, 2: 40, 1: 15]),
                                   gradientStep: 0.25, updateSigma: 1.732, totalSigma: 0.5, radius: 2, symmetric: true),
                minimumSpacing: 1)
        case .aggressive:
            return RegistrationParameters(
                linear: LinearParameters(levels: schedule([8: 150, 4: 100, 2: 50]), maximumSamples: 100_000),
                syn: SyNParameters(levels: schedule([8: 200, 4: 300, 2: 150, 1: 30]),
                                   gradientStep: 0.3, updateSigma: 2.5, totalSigma: 0.4, radius: 2, symmetric: true),
                minimumSpacing: 1)
        }
    }

    /// Levels from (spacing mm: iterations) pairs, coarse to fine, in the order written.
    private func schedule(_ levels: KeyValuePairs<Double, Int>) -> [ResolutionLevel] {
        levels.map { ResolutionLevel(spacing: $0.key, iterations: $0.value) }
    }
}

extension LinearParameters {
    /// The rigid and the affine stage on one schedule, as every preset runs them, so that a preset
    /// states it once; nil `maximumSamples` keeps the default.
    init(levels: [ResolutionLevel], maximumSamples: Int? = nil) {
        self.init(rigidLevels: levels, affineLevels: levels)
        if let maximumSamples { self.maximumSamples = maximumSamples }
    }
}
