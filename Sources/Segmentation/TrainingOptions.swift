import Foundation

/// Settings of one training run (saved as `options.json` in the run folder).
public struct TrainingOptions: Codable, Equatable, Sendable {
    public enum Schedule: String, Codable, Sendable { case constant, cosine }

    public var epochs = 100
    public var batchSize = 2
    public var learningRate: Float = 1e-3
    public var schedule: Schedule = .constant
    public var minLearningRate: Float = 1e-5
    /// Stop when validation mean Dice has not improved for this many epochs.
    public var patience = 10
    public var validationFraction = 0.1
    public var seed: UInt64 = 0
    public var augmentation = AugmentationOptions()
    public var lambdaDice = 1.0
    public var lambdaCE = 1.0
    public var diceProbability: DiceCELoss.Probability = .softmax

    public init() {}

    enum CodingKeys: String, CodingKey {
        case epochs, batchSize = "batch_size", learningRate = "learning_rate", schedule
        case minLearningRate = "min_learning_rate", patience, validationFraction = "validation_fraction", seed
        case augmentation, lambdaDice = "lambda_dice", lambdaCE = "lambda_ce", diceProbability = "dice_probability"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = TrainingOptions()
        epochs = try c.decodeIfPresent(Int.self, forKey: .epochs) ?? d.epochs
        batchSize = try c.decodeIfPresent(Int.self, forKey: .batchSize) ?? d.batchSize
        learningRate = try c.decodeIfPresent(Float.self, forKey: .learningRate) ?? d.learningRate
        schedule = try c.decodeIfPresent(Schedule.self, forKey: .schedule) ?? d.schedule
        minLearningRate = try c.decodeIfPresent(Float.self, forKey: .minLearningRate) ?? d.minLearningRate
        patience = try c.decodeIfPresent(Int.self, forKey: .patience) ?? d.patience
        validationFraction = try c.decodeIfPresent(Double.self, forKey: .validationFraction) ?? d.validationFraction
        seed = try c.decodeIfPresent(UInt64.self, forKey: .seed) ?? d.seed
        augmentation = try c.decodeIfPresent(AugmentationOptions.self, forKey: .augmentation) ?? d.augmentation
        lambdaDice = try c.decodeIfPresent(Double.self, forKey: .lambdaDice) ?? d.lambdaDice
        lambdaCE = try c.decodeIfPresent(Double.self, forKey: .lambdaCE) ?? d.lambdaCE
        diceProbability = try c.decodeIfPresent(DiceCELoss.Probability.self, forKey: .diceProbability) ?? d.diceProbability
    }

    public func validate() throws {
        guard epochs >= 1, batchSize >= 1, patience >= 1 else {
            throw SegmentationError.invalidConfig("epochs, batch_size and patience must be >= 1")
        }
        guard learningRate > 0, minLearningRate >= 0 else { throw SegmentationError.invalidConfig("learning rates must be positive") }
        guard validationFraction > 0, validationFraction < 1 else {
            throw SegmentationError.invalidConfig("validation_fraction must be in (0, 1), got \(validationFraction)")
        }
    }

    /// Learning rate for a 0-based epoch.
    public func learningRate(epoch: Int) -> Float {
        switch schedule {
        case .constant: return learningRate
        case .cosine:
            let t = Double(epoch) / Double(Swift.max(1, epochs - 1))
            return minLearningRate + (learningRate - minLearningRate) * Float(0.5 * (1 + cos(.pi * t)))
        }
    }
}

/// One line of the metrics log.
public struct EpochRecord: Codable, Equatable, Sendable {
    public var epoch: Int
    public var trainLoss: Double
    public var validationLoss: Double
    public var validationMeanDice: Double
    /// Dice of classes 1..<K on the validation set (NaN where a class is absent).
    public var validationDice: [Double]
    public var learningRate: Float
    public var seconds: Double
}
