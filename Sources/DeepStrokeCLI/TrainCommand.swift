import ArgumentParser
import CommandSupport
import DistributedTraining
import Foundation
import ImageCore
import Segmentation

struct TrainCommand: ThreadedCommand, EnvironmentCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train the 3D U-Net on (image, label) NIfTI pairs.",
        discussion: """
        DATA is a CSV manifest (columns image,label), a JSON manifest ([{"image":..., "label":...}]) or a \
        folder with images/ and labels/. RUN_DIR receives metrics.csv, curves.svg, best/ and last/; an \
        existing RUN_DIR/last is resumed. Started by an MPI launcher (mpirun -np N, srun), each batch is \
        split over the N processes, which keep identical weights; rank 0 writes RUN_DIR \
        (docs/distributed-training.md).
        """)

    @Option(help: "Dataset manifest or folder.") var data: String
    @Option(name: [.short, .customLong("output")], help: "Run folder.") var output: String
    @Option(help: "Network config JSON (default: the reference UNet3D).") var config: String?
    @Option(help: "Training options JSON (epochs, batch_size, learning_rate, schedule, patience, seed, augmentation, ...).")
    var options: String?
    @Option(help: "Start from this model folder's weights (and its preprocessing).") var model: String?
    @Option(help: "Network input size (voxels per axis).") var inputSize: Int?
    @Option(parsing: .unconditional, help: ArgumentHelp("HU window mapped to [0, 1].", valueName: "low,high")) var window: HUInterval?
    @Option(help: "Crop every scan to the head (largest region above -300 HU) plus this margin in mm before it reaches the network, in training and in inference.")
    var headCropMargin: Double?
    @Option(help: "Epochs (overrides the options file).") var epochs: Int?
    @Option(help: "Batch size.") var batchSize: Int?
    @Option(help: "Learning rate.") var lr: Float?
    @Option(help: "Random seed.") var seed: UInt64?
    @OptionGroup var threadOptions: ThreadOptions
    @Flag(help: "Start afresh even if RUN_DIR/last exists.") var restart = false
    @Flag(help: "Read 20-label ASPECTS maps as side-less regions 1-10 (for an 11-class model, e.g. from `model fold-sides`).")
    var foldSides = false

    /// The file of a registered-form dataset that names its atlas frame.
    static let frameFileName = "frame.json"

    /// Under an MPI launcher, the ranks of the job; else one process.
    mutating func run(in environment: CommandEnvironment) throws {
        try DistributedRun.withCommunicator(launched: environment.launch.launchedByMPI, expectedRanks: environment.launch.ranks) {
            try train(communicator: $0)
        }
    }

    func train(communicator: any TrainingCommunicator) throws {
        // Rank 0 speaks for the job.
        let print: (String) -> Void = { if communicator.rank == 0 { Swift.print($0) } }
        var opts = TrainingOptions()
        if let o = options {
            opts = try JSONDecoder().decode(TrainingOptions.self, from: Data(contentsOf: URL(fileURLWithPath: o)))
        }
        if let e = epochs { opts.epochs = e }
        if let b = batchSize { opts.batchSize = b }
        if let l = lr { opts.learningRate = l }
        if let s = seed { opts.seed = s }
        var folder: ModelFolder
        if let m = model {
            folder = try ModelFolder.load(URL(fileURLWithPath: m))
        } else {
            let cfg = try config.map { try UNetConfig.load(URL(fileURLWithPath: $0)) } ?? UNetConfig()
            folder = try ModelFolder.initialize(config: cfg, seed: opts.seed)
        }
        // A dataset in the registered form (`dataset synth --registered`) says which atlas frame it is in.
        let frameURL = URL(fileURLWithPath: data).appendingPathComponent(Self.frameFileName)
        if model == nil, let d = try? Data(contentsOf: frameURL) {
            let frame = try JSONDecoder().decode(Preprocessing.AtlasFrameBox.self, from: d)
            folder.preprocessing.atlasFrame = frame
            folder.preprocessing.inputSize = frame.size
            folder.preprocessing.headCrop = nil
            folder.preprocessing.spacing = nil
        }
        if let n = inputSize { folder.preprocessing.inputSize = [n, n, n] }
        if let m = headCropMargin { folder.preprocessing.headCrop = HeadCrop(marginMM: m) }
        if let w = window { folder.preprocessing.window = [Float(w.low), Float(w.high)] }
        if folder.preprocessing.mirroredLabels == nil {
            folder.preprocessing.mirroredLabels = Preprocessing.hemisphereSwap(classes: folder.config.classes)
        }
        try folder.preprocessing.validate(classes: folder.config.classes)
        let pairs = try SegmentationDataset.pairs(URL(fileURLWithPath: data))
        print("loading \(pairs.count) pairs ...")
        let samples = try SegmentationDataset.load(pairs, preprocessing: folder.preprocessing, classes: folder.config.classes,
                                                 foldSides: foldSides)
        let trainer = try Trainer(model: folder, samples: samples, options: opts, runDirectory: URL(fileURLWithPath: output),
                                  communicator: communicator)
        if !restart, try trainer.resumeIfPossible() {
            print("resuming after epoch \(trainer.history.count)")
        }
        print("training on \(trainer.trainIndices.count) scans, validating on \(trainer.validationIndices.count); \(folder.network.parameterCount) parameters"
              + (communicator.size > 1 ? "; \(communicator.size) processes share each batch" : ""))
        trainer.progress = { epoch, step, steps, loss in
            guard communicator.rank == 0 else { return }
            let width = 30, filled = width * step / max(1, steps)
            let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
            FileHandle.standardError.write(Data(String(format: "\repoch %d [%@] %d/%d loss %.4f", epoch + 1, bar, step, steps, loss).utf8))
        }
        trainer.epochFinished = { r in
            guard communicator.rank == 0 else { return }
            FileHandle.standardError.write(Data("\n".utf8))
            print(String(format: "epoch %d: train loss %.4f, val loss %.4f, val mean Dice %.4f (%.1f s)",
                         r.epoch, r.trainLoss, r.validationLoss, r.validationMeanDice, r.seconds))
        }
        try trainer.run()
        print(String(format: "best val mean Dice %.4f at epoch %d%@", trainer.bestMeanDice, trainer.bestEpoch,
                     trainer.stoppedEarly ? " (stopped early)" : ""))
        if trainer.replicaResynchronizations > 0 {
            print("note: the processes' weights drifted apart \(trainer.replicaResynchronizations) time(s) and were reset to rank 0's")
        }
    }
}
