/// Everything a user (or a test) needs to judge a registration afterwards; written as `PREFIX_report.json`.
public struct RegistrationReport: Codable, Sendable {
    public struct ImageSummary: Codable, Sendable {
        public var size: [Int]
        public var spacing: [Double]
    }

    public struct AffineSummary: Codable, Sendable {
        /// ITK parameters: row-major 3x3 matrix then translation.
        public var parameters: [Double]
        public var center: [Double]
        public var rotationDegrees: Double
    }

    public struct Quality: Codable, Sendable {
        /// Global NCC in the quality region between the fixed image and the moving image resampled with the
        /// identity, with the affine, and with the full transform.
        public var nccIdentity: Double
        public var nccAffine: Double
        public var nccFinal: Double
        public var regionVoxels: Int
        public var jacobian: JacobianStatistics?
        public var inverseConsistency: InverseConsistency?
    }

    public struct Inversion: Codable, Sendable {
        public var field: String
        public var iterations: Int
        public var maxResidualVoxels: Double
        public var meanResidualVoxels: Double
    }

    public struct Timing: Codable, Sendable {
        public var linearSeconds: Double
        public var deformableSeconds: Double
        public var inversionSeconds: Double
        public var totalSeconds: Double
    }

    public var preset: String?
    public var threads: Int
    public var fixed: ImageSummary
    public var moving: ImageSummary
    public var workingSpacing: Double
    public var parameters: RegistrationParameters
    public var affine: AffineSummary
    public var levels: [LevelReport]
    public var inversions: [Inversion]
    public var quality: Quality
    public var timing: Timing
}
