import Foundation
import ImageCore
import NeuralEngine

/// Trains a UNet3D on in-memory samples and keeps a run folder:
///
///     RUN/options.json      the options of the run
///     RUN/metrics.csv       one line per epoch (train/val loss, val Dice per class)
///     RUN/curves.svg        the curves
///     RUN/best/             model folder of the best validation mean Dice
///     RUN/last/             model folder + optimizer.safetensors + state.json after the last epoch
///
/// Every random draw (split, order, augmentation, dropout) is derived from (seed, epoch, index) —
/// a sample's draws from its own index, never from its place in a batch — and the last checkpoint holds weights, BatchNorm statistics, Adam moments and the run state, so
/// a run killed at any point and resumed from `last/` ends with exactly the weights an
/// uninterrupted run would have (on the same thread count).
///
/// Batches run as one N-sample forward/backward: oneDNN and the element loops spread it over all
/// cores (data parallelism inside each op, so results do not depend on how samples are split).
///
/// Data parallel over processes (docs/distributed-training.md): with a `communicator` of N ranks, each
/// rank runs its share of every batch (`batchShare`), the gradients are summed weighted by share size
/// (= the gradient of the whole batch's mean loss), so every rank takes the same Adam step and keeps the
/// same weights; validation is split over the ranks and its sums added up, so every rank takes the same
/// best-model and early-stopping decisions. Rank 0 alone writes the run folder; all ranks resume from
/// it. BatchNorm normalises each rank's share by its own statistics (as PyTorch DDP without
/// SyncBatchNorm); the running statistics are averaged over the ranks after each epoch.
public final class Trainer {
    public let model: ModelFolder
    public let options: TrainingOptions
    public let runDirectory: URL
    public let samples: [TrainingSample]
    /// The ranks of a data-parallel run (one process by default).
    public let communicator: any TrainingCommunicator
    /// How often the end-of-epoch check found the ranks' weights apart and copied rank 0's to the
    /// others (0 unless a reduction gave different bits on different ranks).
    public private(set) var replicaResynchronizations = 0
    public private(set) var history: [EpochRecord] = []
    public private(set) var trainIndices: [Int] = []
    public private(set) var validationIndices: [Int] = []
    /// For tests: throw after this many optimisation steps (simulates a kill mid-epoch).
    public var interruptAfterSteps: Int?
    /// Progress reports (epoch, step, steps per epoch, running loss) for a progress bar.
    public var progress: ((Int, Int, Int, Double) -> Void)?
    /// Called after each epoch with its record.
    public var epochFinished: ((EpochRecord) -> Void)?
    /// Asked after each epoch (after its checkpoint): true ends the run there (it can be resumed).
    public var shouldStop: ((EpochRecord) -> Bool)?

    private let adam: Adam
    private var state = RunState()
    private var stepsTaken = 0

    struct RunState: Codable {
        var nextEpoch = 0
        var bestMeanDice = -1.0
        var bestEpoch = -1
        var epochsWithoutImprovement = 0
        var stopped = false
        var history: [EpochRecord] = []
    }

    public init(model: ModelFolder, samples: [TrainingSample], options: TrainingOptions, runDirectory: URL,
                communicator: any TrainingCommunicator = SingleProcessCommunicator()) throws {
        try options.validate()
        guard samples.count >= 2 else { throw SegmentationError.training("need at least 2 samples (train + validation), got \(samples.count)") }
        let net = SIMD3(model.preprocessing.inputSize[0], model.preprocessing.inputSize[1], model.preprocessing.inputSize[2])
        let k = model.config.sizeDivisor
        guard net.x % k == 0, net.y % k == 0, net.z % k == 0 else {
            throw SegmentationError.invalidConfig("input_size \(model.preprocessing.inputSize) must be divisible by \(k)")
        }
        for s in samples {
            guard s.image.count == s.size.x * s.size.y * s.size.z, s.labels.count == s.image.count else {
                throw SegmentationError.training("sample \(s.name): image and labels do not match its size")
            }
            if let bad = s.labels.first(where: { $0 < 0 || Int($0) >= model.config.classes }) {
                throw SegmentationError.training("sample \(s.name) has label \(bad), the model has \(model.config.classes) classes")
            }
        }
        self.model = model
        self.options = options
        self.runDirectory = runDirectory
        self.samples = samples
        self.communicator = communicator
        adam = Adam(learningRate: options.learningRate)
        // Fixed split from the seed.
        var order = Array(0..<samples.count)
        var rng = RandomSource(seed: options.seed ^ 0x5EED_5B11_7000_0001)
        order.shuffle(using: &rng)
        let nVal = Swift.min(samples.count - 1, Swift.max(1, Int((Double(samples.count) * options.validationFraction).rounded())))
        validationIndices = Array(order.prefix(nVal)).sorted()
        trainIndices = Array(order.dropFirst(nVal)).sorted()
    }

    var netSize: SIMD3<Int> {
        let s = model.preprocessing.inputSize
        return SIMD3(s[0], s[1], s[2])
    }

    static func mix(_ a: UInt64, _ b: UInt64, _ c: UInt64 = 0) -> UInt64 {
        var r = RandomSource(seed: a ^ (b &* 0x9E37_79B9_7F4A_7C15) ^ (c &* 0xC2B2_AE3D_27D4_EB4F))
        return r.next()
    }

    // MARK: checkpoints

    var lastDirectory: URL { runDirectory.appendingPathComponent("last") }
    var bestDirectory: URL { runDirectory.appendingPathComponent("best") }

    /// Restores the run from `RUN/last` if there is one; returns whether it did.
    @discardableResult
    public func resumeIfPossible() throws -> Bool {
        let fm = FileManager.default
        var dir = lastDirectory
        if !fm.fileExists(atPath: dir.appendingPathComponent("state.json").path) {
            // A kill between the two renames of a checkpoint swap leaves the previous one here.
            dir = runDirectory.appendingPathComponent("last.old")
            guard fm.fileExists(atPath: dir.appendingPathComponent("state.json").path) else { return false }
        }
        let saved = try ModelFolder.load(dir)
        guard saved.config == model.config else {
            throw SegmentationError.training("the checkpoint in \(dir.path) has a different network configuration")
        }
        try model.network.load(saved.network.stateDict())
        let opt = try SafeTensors.read(dir.appendingPathComponent("optimizer.safetensors"))
        var first: [String: Tensor] = [:], second: [String: Tensor] = [:]
        for name in opt.names {
            if name.hasPrefix("m.") { first[String(name.dropFirst(2))] = try opt.tensor(name) }
            if name.hasPrefix("v.") { second[String(name.dropFirst(2))] = try opt.tensor(name) }
        }
        guard let stepString = opt.metadata["step"], let step = Int(stepString) else {
            throw SegmentationError.training("\(dir.path)/optimizer.safetensors lacks the step count")
        }
        adam.restore(step: step, first: first, second: second)
        do {
            let dec = JSONDecoder()
            dec.nonConformingFloatDecodingStrategy = Self.stateNonFiniteNumbers.decoding
            state = try dec.decode(RunState.self, from: Data(contentsOf: dir.appendingPathComponent("state.json")))
        } catch {
            throw SegmentationError.training("\(dir.path)/state.json cannot be read: \(error)")
        }
        history = state.history
        return true
    }

    /// Writes `last/` as a whole: into `last.new`, then swapped in with renames.
    private func saveLast() throws {
        let fm = FileManager.default
        let fresh = runDirectory.appendingPathComponent("last.new"), old = runDirectory.appendingPathComponent("last.old")
        try? fm.removeItem(at: fresh)
        try model.save(to: fresh)
        var opt = SafeTensors()
        for (name, _) in model.network.parameters() {
            if let m = adam.firstMoment[name] { opt.set("m." + name, m) }
            if let v = adam.secondMoment[name] { opt.set("v." + name, v) }
        }
        opt.metadata = ["step": String(adam.step)]
        try opt.write(to: fresh.appendingPathComponent("optimizer.safetensors"))
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        enc.nonConformingFloatEncodingStrategy = Self.stateNonFiniteNumbers.encoding
        try AtomicFile.write(try enc.encode(state), to: fresh.appendingPathComponent("state.json"))
        try? fm.removeItem(at: old)
        if fm.fileExists(atPath: lastDirectory.path) { try fm.moveItem(at: lastDirectory, to: old) }
        try fm.moveItem(at: fresh, to: lastDirectory)
        try? fm.removeItem(at: old)
    }

    /// state.json holds the history, whose per-class validation Dice is NaN for a class absent from the
    /// validation scans (a small or cropped set); JSON has no NaN, so it is written as "nan".
    private static let stateNonFiniteNumbers = (
        encoding: JSONEncoder.NonConformingFloatEncodingStrategy.convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan"),
        decoding: JSONDecoder.NonConformingFloatDecodingStrategy.convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan"))

    private func saveBest() throws {
        let fm = FileManager.default
        let fresh = runDirectory.appendingPathComponent("best.new")
        try? fm.removeItem(at: fresh)
        try model.save(to: fresh, metadata: ["epoch": String(state.bestEpoch), "val_mean_dice": String(state.bestMeanDice)])
        try? fm.removeItem(at: bestDirectory)
        try fm.moveItem(at: fresh, to: bestDirectory)
    }

    // MARK: training

    /// Whether this process writes the run folder (rank 0).
    public var writesRunFolder: Bool { communicator.rank == 0 }
    private var distributed: Bool { communicator.size > 1 }

    /// Runs (or continues) training until the epoch budget or early stopping; returns the history.
    @discardableResult
    public func run() throws -> [EpochRecord] {
        if writesRunFolder {
            try FileManager.default.createDirectory(at: runDirectory, withIntermediateDirectories: true)
            let enc = JSONEncoder()
            enc.outputFormatting = [.prettyPrinted, .sortedKeys]
            try AtomicFile.write(try enc.encode(options), to: runDirectory.appendingPathComponent("options.json"))
        }
        if distributed { try synchronizeReplicas() }
        let net = model.network
        let loss = DiceCELoss(probability: options.diceProbability, includeBackground: true,
                              lambdaDice: options.lambdaDice, lambdaCE: options.lambdaCE)
        let augmenter = Augmenter(options: options.augmentation, netSize: netSize,
                                  mirroredLabels: model.preprocessing.mirroredLabels)
        let size = netSize
        while state.nextEpoch < options.epochs && !state.stopped {
            let epoch = state.nextEpoch
            let start = Date()
            adam.learningRate = options.learningRate(epoch: epoch)
            var order = trainIndices
            var orderRng = RandomSource(seed: Self.mix(options.seed, UInt64(epoch) + 1))
            order.shuffle(using: &orderRng)
            var lossSum = 0.0
            var batches = 0
            let stepsPerEpoch = (order.count + options.batchSize - 1) / options.batchSize
            for b in 0..<stepsPerEpoch {
                let batch = Array(order[(b * options.batchSize)..<Swift.min(order.count, (b + 1) * options.batchSize)])
                // This rank's share (the whole batch in one process).
                let idx = Array(batch[communicator.share(of: batch.count)])
                var batchLoss = 0.0
                net.zeroGrad()
                if !idx.isEmpty {
                    var images: [Float] = [], labels: [Int32] = []
                    for i in idx {
                        var rng = RandomSource(seed: Self.mix(options.seed, UInt64(epoch) + 1, UInt64(i) + 1))
                        let (im, lab) = augmenter.prepare(samples[i], rng: &rng, augment: true)
                        images += im
                        labels += lab
                    }
                    setDropoutMasks(samples: idx, epoch: epoch)
                    let n = idx.count
                    let x = try FeatureMap(Tensor(shape: [n, 1, size.z, size.y, size.x], data: images))
                    let logits = try net.forward(x, training: true).tensor()
                    let r = try loss(logits, LabelMap(shape: [n, size.z, size.y, size.x], data: labels))
                    try net.backward(FeatureMap(r.gradient))
                    batchLoss = r.total
                }
                if distributed {
                    batchLoss = try combineGradients(shareWeight: Double(idx.count) / Double(batch.count), loss: batchLoss)
                }
                adam.update(net.parameters())
                lossSum += batchLoss
                batches += 1
                stepsTaken += 1
                progress?(epoch, b + 1, stepsPerEpoch, lossSum / Double(batches))
                if let limit = interruptAfterSteps, stepsTaken >= limit {
                    throw SegmentationError.training("interrupted after \(stepsTaken) steps")
                }
            }
            if distributed {
                try averageBuffers()
                try synchronizeReplicas()
            }
            let (valLoss, perClass, meanDice) = try validate(loss: loss, augmenter: augmenter)
            let record = EpochRecord(epoch: epoch + 1, trainLoss: lossSum / Double(Swift.max(1, batches)), validationLoss: valLoss,
                                     validationMeanDice: meanDice, validationDice: perClass,
                                     learningRate: adam.learningRate, seconds: Date().timeIntervalSince(start))
            state.history.append(record)
            history = state.history
            state.nextEpoch = epoch + 1
            if meanDice > state.bestMeanDice {
                state.bestMeanDice = meanDice
                state.bestEpoch = epoch + 1
                state.epochsWithoutImprovement = 0
                if writesRunFolder { try saveBest() }
            } else {
                state.epochsWithoutImprovement += 1
                if state.epochsWithoutImprovement >= options.patience { state.stopped = true }
            }
            if writesRunFolder {
                try MetricsLog.write(history, classes: model.config.classes, to: runDirectory)
                try saveLast()
            }
            epochFinished?(record)
            var stop = [shouldStop?(record) == true ? 1.0 : 0]
            if distributed { try communicator.sum(&stop) }   // one rank asking ends the run on all
            if stop[0] > 0 { break }
        }
        return history
    }

    /// Validation loss, Dice per foreground class (NaN when absent) and their mean. With several ranks
    /// each takes every size-th scan and the sums are added up: the same result on every rank.
    public func validate(loss: DiceCELoss, augmenter: Augmenter) throws -> (Double, [Double], Double) {
        let K = model.config.classes, size = netSize
        var lossSum = 0.0
        var inter = [Double](repeating: 0, count: K), sums = inter
        for (j, i) in validationIndices.enumerated() where j % communicator.size == communicator.rank {
            var rng = RandomSource(seed: 0)
            let (im, lab) = augmenter.prepare(samples[i], rng: &rng, augment: false)
            let logits = try model.network.forward(FeatureMap(Tensor(shape: [1, 1, size.z, size.y, size.x], data: im)),
                                                   training: false).tensor()
            let labels = LabelMap(shape: [1, size.z, size.y, size.x], data: lab)
            lossSum += try loss(logits, labels).total
            let pred = SegmentationMetrics.argmax(logits)
            for v in 0..<lab.count {
                let a = Int(pred.data[v]), b = Int(lab[v])
                sums[a] += 1; sums[b] += 1
                if a == b { inter[a] += 2 }
            }
        }
        if distributed {
            var all = [lossSum] + inter + sums
            try communicator.sum(&all)
            lossSum = all[0]
            inter = Array(all[1...K])
            sums = Array(all[(K + 1)...])
        }
        let perClass = (1..<K).map { sums[$0] > 0 ? inter[$0] / sums[$0] : Double.nan }
        let present = perClass.filter { !$0.isNaN }
        let mean = present.isEmpty ? 0 : present.reduce(0, +) / Double(present.count)
        return (lossSum / Double(validationIndices.count), perClass, mean)
    }

    public var bestMeanDice: Double { state.bestMeanDice }
    public var bestEpoch: Int { state.bestEpoch }
    public var stoppedEarly: Bool { state.stopped }

    // MARK: data parallelism

    /// Channel dropout masks for this step, one row per sample drawn from (seed, epoch, block, sample
    /// index): a sample is masked alike whichever rank runs it and wherever it sits in the batch.
    private func setDropoutMasks(samples idx: [Int], epoch: Int) {
        for (b, block) in model.network.residualBlocks.enumerated() where block.drop.p > 0 {
            let p = block.drop.p, keep = 1 / (1 - p), channels = block.conv1.weight.shape[0]
            let layerSeed = Self.mix(options.seed, UInt64(epoch) + 1, UInt64(b) + 1000)
            var mask: [Float] = []
            mask.reserveCapacity(idx.count * channels)
            for i in idx {
                var rng = RandomSource(seed: Self.mix(layerSeed, UInt64(i) + 1))
                for _ in 0..<channels { mask.append(rng.nextFloat() < p ? 0 : keep) }
            }
            block.drop.nextMask = Tensor(shape: [idx.count, channels], data: mask)
        }
    }

    /// Turns each rank's gradient of its share's mean loss into the gradient of the whole batch's mean
    /// loss (Σ_r share_r/batch · g_r; the loss is a mean of per-sample terms) on every rank; returns the
    /// whole batch's loss.
    private func combineGradients(shareWeight: Double, loss: Double) throws -> Double {
        let params = model.network.parameters()
        let w = Float(shareWeight)
        var flat: [Float] = []
        flat.reserveCapacity(params.reduce(0) { $0 + $1.1.grad.count })
        for (_, p) in params { flat.append(contentsOf: p.grad.data.lazy.map { $0 * w }) }
        try communicator.sum(&flat)
        var offset = 0
        for (_, p) in params {
            let n = p.grad.count
            p.grad.data = Array(flat[offset..<(offset + n)])
            offset += n
        }
        var total = [loss * shareWeight]
        try communicator.sum(&total)
        return total[0]
    }

    /// Float buffers (BatchNorm running mean and variance): the mean over the ranks. Each is a moving
    /// average of its rank's share statistics, so their mean is the moving average of the ranks' mean.
    private func averageBuffers() throws {
        let buffers: [Parameter] = model.network.stateItems().compactMap {
            if case .tensor(let p) = $0.1, !p.requiresGrad { return p }
            return nil
        }
        guard !buffers.isEmpty else { return }
        var flat = buffers.flatMap(\.value.data)
        try communicator.sum(&flat)
        let scale = 1 / Float(communicator.size)
        var offset = 0
        for p in buffers {
            let n = p.value.count
            p.value.data = flat[offset..<(offset + n)].map { $0 * scale }
            offset += n
        }
    }

    /// Checks that every rank holds rank 0's weights, buffers and Adam state (a hash compared across
    /// ranks); if one does not, copies rank 0's to all. Run at the start and after every epoch.
    private func synchronizeReplicas() throws {
        let params = model.network.parameters()
        let tensors: [Parameter] = model.network.stateItems().compactMap {
            if case .tensor(let p) = $0.1 { return p }
            return nil
        }
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        func mixIn(_ bits: UInt64) { hash = (hash ^ bits) &* 0x0000_0100_0000_01B3 }
        mixIn(UInt64(adam.step))
        for p in tensors { for v in p.value.data { mixIn(UInt64(v.bitPattern)) } }
        for (name, _) in params {
            for v in adam.firstMoment[name]?.data ?? [] { mixIn(UInt64(v.bitPattern)) }
            for v in adam.secondMoment[name]?.data ?? [] { mixIn(UInt64(v.bitPattern)) }
        }
        let mine = [Double(hash >> 32), Double(hash & 0xFFFF_FFFF)]
        var root = mine
        try communicator.broadcast(&root, from: 0)
        var apart = [root == mine ? 0.0 : 1]
        try communicator.sum(&apart)
        guard apart[0] > 0 else { return }
        replicaResynchronizations += 1
        var values = tensors.flatMap(\.value.data)
        try communicator.broadcast(&values, from: 0)
        var offset = 0
        for p in tensors {
            p.value.data = Array(values[offset..<(offset + p.value.count)])
            offset += p.value.count
        }
        var step = [Double(adam.step)]
        try communicator.broadcast(&step, from: 0)
        var first: [String: Tensor] = [:], second: [String: Tensor] = [:]
        for (name, p) in params {
            var m = adam.firstMoment[name]?.data ?? [Float](repeating: 0, count: p.value.count)
            var v = adam.secondMoment[name]?.data ?? [Float](repeating: 0, count: p.value.count)
            try communicator.broadcast(&m, from: 0)
            try communicator.broadcast(&v, from: 0)
            first[name] = Tensor(shape: p.shape, data: m)
            second[name] = Tensor(shape: p.shape, data: v)
        }
        adam.restore(step: Int(step[0]), first: step[0] > 0 ? first : [:], second: step[0] > 0 ? second : [:])
    }
}
