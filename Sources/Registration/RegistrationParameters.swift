/// One level of a multi-resolution schedule: the isotropic grid spacing (mm) the images are resampled to,
/// and the iteration budget there.
public struct ResolutionLevel: Codable, Sendable, Equatable {
    public var spacing: Double
    public var iterations: Int

    public init(spacing: Double, iterations: Int) {
        self.spacing = spacing
        self.iterations = iterations
    }

    /// The levels usable on a working grid of spacing `base`: coarser levels are kept, finer ones are
    /// dropped, and the finest kept level snaps to `base` when a level at or below it was requested (so a
    /// 1 mm schedule run on a 2 mm image ends at 2 mm with the 2 mm level's iterations).
    static func effective(_ levels: [ResolutionLevel], base: Double) -> [ResolutionLevel] {
        let sorted = levels.sorted { $0.spacing > $1.spacing }
        var out = sorted.filter { $0.spacing > base * 1.01 }
        if let atOrBelow = sorted.first(where: { $0.spacing <= base * 1.01 }) {
            out.append(ResolutionLevel(spacing: base, iterations: atOrBelow.iterations))
        }
        return out.filter { $0.iterations > 0 }
    }
}

/// Similarity used by the rigid and affine stages.
public enum LinearMetric: String, Codable, Sendable, CaseIterable {
    /// Mattes mutual information: robust to different intensity ranges, skull versus no skull.
    case mattes
    /// Global normalised cross-correlation: for images of the same modality and contrast.
    case ncc
}

/// Moments initialisation, rigid then affine stages.
public struct LinearParameters: Codable, Sendable {
    public var metric: LinearMetric
    /// Histogram bins for Mattes MI.
    public var bins: Int
    public var rigidLevels: [ResolutionLevel]
    public var affineLevels: [ResolutionLevel]
    /// Upper bound on fixed-image samples per level (a regular subset beyond it).
    public var maximumSamples: Int
    public var convergenceWindow: Int
    public var convergenceThreshold: Double
    /// Limits on the affine stage's scales (nil: none). Parameters decoded from JSON written before
    /// the bounds existed have none.
    public var scaleBounds: ScaleBounds?

    public init(metric: LinearMetric = .mattes, bins: Int = 32, rigidLevels: [ResolutionLevel], affineLevels: [ResolutionLevel],
                maximumSamples: Int = 60_000, convergenceWindow: Int = 10, convergenceThreshold: Double = 1e-6,
                scaleBounds: ScaleBounds? = .head) {
        self.scaleBounds = scaleBounds
        self.metric = metric
        self.bins = bins
        self.rigidLevels = rigidLevels
        self.affineLevels = affineLevels
        self.maximumSamples = maximumSamples
        self.convergenceWindow = convergenceWindow
        self.convergenceThreshold = convergenceThreshold
    }
}

/// The deformable stage: ANTs' `SyN[gradientStep, updateSigma, totalSigma]` with an LNCC metric.
public struct SyNParameters: Codable, Sendable {
    public var levels: [ResolutionLevel]
    /// Largest update per iteration, in voxels of the level grid.
    public var gradientStep: Double
    /// Gaussian sigma (voxels) applied to each update field (fluid-like regularisation).
    public var updateSigma: Double
    /// Gaussian sigma (voxels) applied to the total fields after each update (elastic-like); 0 = none.
    public var totalSigma: Double
    /// LNCC window radius in voxels (window 2r+1).
    public var radius: Int
    /// Symmetric (both images to a halfway space) or greedy (moving only, about twice as fast).
    public var symmetric: Bool
    public var convergenceWindow: Int
    public var convergenceThreshold: Double
    /// Fixed-point iterations for the final field inversions.
    public var inversionIterations: Int

    public init(levels: [ResolutionLevel], gradientStep: Double = 0.25, updateSigma: Double = 1.732, totalSigma: Double = 0.5,
                radius: Int = 2, symmetric: Bool = true, convergenceWindow: Int = 10, convergenceThreshold: Double = 1e-5,
                inversionIterations: Int = 30) {
        self.levels = levels
        self.gradientStep = gradientStep
        self.updateSigma = updateSigma
        self.totalSigma = totalSigma
        self.radius = radius
        self.symmetric = symmetric
        self.convergenceWindow = convergenceWindow
        self.convergenceThreshold = convergenceThreshold
        self.inversionIterations = inversionIterations
    }
}

/// Everything a registration needs besides the images.
public struct RegistrationParameters: Codable, Sendable {
    public var linear: LinearParameters
    /// nil registers affinely only.
    public var syn: SyNParameters?
    /// The working grid is isotropic at max(finest fixed spacing, this) millimetres.
    public var minimumSpacing: Double
    /// Start from the centres of mass (ANTs' `-r [fixed,moving,1]`); otherwise from the identity.
    public var momentsInitialisation: Bool

    public init(linear: LinearParameters, syn: SyNParameters?, minimumSpacing: Double = 1.0, momentsInitialisation: Bool = true) {
        self.linear = linear
        self.syn = syn
        self.minimumSpacing = minimumSpacing
        self.momentsInitialisation = momentsInitialisation
    }

    func validate() throws {
        func positive(_ v: Double, _ name: String) throws {
            guard v.isFinite && v > 0 else { throw RegistrationError.invalidParameter("\(name) must be a positive number, got \(v)") }
        }
        try positive(minimumSpacing, "minimum spacing")
        guard linear.bins >= 8 && linear.bins <= 256 else {
            throw RegistrationError.invalidParameter("histogram bins must be between 8 and 256, got \(linear.bins)")
        }
        guard linear.maximumSamples >= 1000 else {
            throw RegistrationError.invalidParameter("maximum samples must be at least 1000, got \(linear.maximumSamples)")
        }
        for l in linear.rigidLevels + linear.affineLevels + (syn?.levels ?? []) {
            try positive(l.spacing, "level spacing")
            guard l.iterations >= 0 else { throw RegistrationError.invalidParameter("iterations must be >= 0, got \(l.iterations)") }
        }
        if let s = syn {
            try positive(s.gradientStep, "SyN gradient step")
            guard s.gradientStep <= 2 else { throw RegistrationError.invalidParameter("SyN gradient step must be at most 2 voxels, got \(s.gradientStep)") }
            guard s.updateSigma >= 0, s.totalSigma >= 0, s.updateSigma.isFinite, s.totalSigma.isFinite else {
                throw RegistrationError.invalidParameter("SyN sigmas must be finite and >= 0")
            }
            guard s.radius >= 1 && s.radius <= 10 else { throw RegistrationError.invalidParameter("LNCC radius must be 1...10 voxels, got \(s.radius)") }
        }
    }
}
