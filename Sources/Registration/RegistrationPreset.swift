/// Named parameter sets for the CLI's `--preset`.
public enum RegistrationPreset: String, Codable, Sendable, CaseIterable {
    /// Greedy (moving-only) SyN that stops at a 2 mm working grid: for previews and batch triage.
    case fast
    /// Symmetric SyN down to 1 mm (or the fixed image's spacing if coarser).
    case `default`
    /// Symmetric SyN with more iterations at every level and larger steps, for large deformations.
    case aggressive

    public var parameters: RegistrationParameters {
        switch self {
        case .fast:
            return RegistrationParameters(
                linear: LinearParameters(rigidLevels: [.init(spacing: 8, iterations: 60), .init(spacing: 4, iterations: 40)],
                                         affineLevels: [.init(spacing: 8, iterations: 60), .init(spacing: 4, iterations: 40)],
                                         maximumSamples: 30_000),
                syn: SyNParameters(levels: [.init(spacing: 8, iterations: 60), .init(spacing: 4, iterations: 40),
                                            .init(spacing: 2, iterations: 20)],
                                   gradientStep: 0.3, updateSigma: 1.732, totalSigma: 0.5, radius: 2, symmetric: false),
                minimumSpacing: 2)
        case .default:
            return RegistrationParameters(
                linear: LinearParameters(rigidLevels: [.init(spacing: 8, iterations: 100), .init(spacing: 4, iterations: 60),
                                                       .init(spacing: 2, iterations: 30)],
                                         affineLevels: [.init(spacing: 8, iterations: 100), .init(spacing: 4, iterations: 60),
                                                        .init(spacing: 2, iterations: 30)]),
                // An update σ of 2.5 voxels and more coarse iterations: on the known-deformation cases of
                // bench/registration.py, mean Dice +0.02 to +0.03 (larger fields gain most) for ~15 % more time.
                syn: SyNParameters(levels: [.init(spacing: 8, iterations: 120), .init(spacing: 4, iterations: 120),
                                            .init(spacing: 2, iterations: 60), .init(spacing: 1, iterations: 15)],
                                   gradientStep: 0.25, updateSigma: 2.5, totalSigma: 0.5, radius: 2, symmetric: true),
                minimumSpacing: 1)
        case .aggressive:
            return RegistrationParameters(
                linear: LinearParameters(rigidLevels: [.init(spacing: 8, iterations: 150), .init(spacing: 4, iterations: 100),
                                                       .init(spacing: 2, iterations: 50)],
                                         affineLevels: [.init(spacing: 8, iterations: 150), .init(spacing: 4, iterations: 100),
                                                        .init(spacing: 2, iterations: 50)],
                                         maximumSamples: 100_000),
                syn: SyNParameters(levels: [.init(spacing: 8, iterations: 200), .init(spacing: 4, iterations: 300),
                                            .init(spacing: 2, iterations: 150), .init(spacing: 1, iterations: 30)],
                                   gradientStep: 0.3, updateSigma: 2.5, totalSigma: 0.4, radius: 2, symmetric: true),
                minimumSpacing: 1)
        }
    }
}
