import Foundation
import NeuralEngine
import Segmentation
import XCTest

final class TrainingTests: XCTestCase {
    func tempDir() -> URL {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("train-\(UUID().uuidString)")
        addTeardownBlock { try? FileManager.default.removeItem(at: d) }
        return d
    }

    func smallModel(size: Int = 32, classes: Int = 4, seed: UInt64 = 1) throws -> ModelFolder {
        let cfg = UNetConfig(inChannels: 1, classes: classes, baseChannels: 8, levels: 3, dropout: 0.1, squeezeExcite: true)
        return try ModelFolder.initialize(config: cfg, preprocessing: Preprocessing(inputSize: [size, size, size]), seed: seed)
    }

    /// The network learns the synthetic ellipsoid task to validation mean Dice > 0.9 (within 40 epochs).
    func testLearnsSyntheticTask() throws {
        let samples = SyntheticShapes.samples(count: 20, size: SIMD3(32, 32, 32), classes: 4, seed: 5)
        var opts = TrainingOptions()
        opts.epochs = 40
        opts.batchSize = 2
        opts.learningRate = 3e-3
        opts.patience = 8
        opts.validationFraction = 0.2
        opts.augmentation = .none
        opts.augmentation.enabled = true
        opts.augmentation.rotationDegrees = 0; opts.augmentation.scale = 0; opts.augmentation.translation = 0
        opts.augmentation.elastic = 0; opts.augmentation.gamma = 1
        let dir = tempDir()
        let trainer = try Trainer(model: try smallModel(), samples: samples, options: opts, runDirectory: dir)
        let start = Date()
        var reached = 0.0
        trainer.epochFinished = { r in
            reached = max(reached, r.validationMeanDice)
            print(String(format: "epoch %d train %.4f val %.4f dice %.4f (%.1f s)", r.epoch, r.trainLoss, r.validationLoss,
                         r.validationMeanDice, r.seconds))
        }
        // Stop as soon as the goal is reached, to keep the test short.
        trainer.shouldStop = { $0.validationMeanDice > 0.92 }
        try trainer.run()
        print("best val mean Dice \(trainer.bestMeanDice) at epoch \(trainer.bestEpoch) in \(Date().timeIntervalSince(start)) s")
        XCTAssertGreaterThan(trainer.bestMeanDice, 0.9)
        for f in ["metrics.csv", "curves.svg", "options.json", "best/model.safetensors", "last/state.json", "last/optimizer.safetensors"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent(f).path), f)
        }
        let csv = try String(contentsOf: dir.appendingPathComponent("metrics.csv"), encoding: .utf8)
        XCTAssertEqual(csv.split(separator: "\n").count, trainer.history.count + 1)
        // The best model reloads and scores what was logged. Evaluated here, independently of the trainer:
        // the validation samples are already at the network's 32^3 input size and augmentation is off for
        // validation, so each goes to the network as it is; val_mean_dice is the Dice of each foreground
        // class pooled over the validation set, averaged over the classes present.
        let best = try ModelFolder.load(dir.appendingPathComponent("best"))
        var inter = [Double](repeating: 0, count: 4), sums = inter
        for i in trainer.validationIndices {
            let s = samples[i]
            let logits = try best.network.forward(FeatureMap(Tensor(shape: [1, 1, 32, 32, 32], data: s.image)), training: false).tensor()
            let pred = SegmentationMetrics.argmax(logits)
            for v in 0..<s.labels.count {
                let a = Int(pred.data[v]), b = Int(s.labels[v])
                sums[a] += 1; sums[b] += 1
                if a == b { inter[a] += 2 }
            }
        }
        let perClass = (1..<4).compactMap { sums[$0] > 0 ? inter[$0] / sums[$0] : nil }
        let reloadedDice = perClass.reduce(0, +) / Double(perClass.count)
        print("reloaded best (epoch \(trainer.bestEpoch)): val mean Dice \(reloadedDice), logged \(trainer.bestMeanDice)")
        // The weights (and BatchNorm statistics) round-trip bit-exactly through safetensors and inference is
        // deterministic, so the predictions, hence the voxel counts, are the ones validation counted: the
        // Dice must be the logged one up to the rounding of the final sum and mean (1e-12).
        XCTAssertEqual(reloadedDice, trainer.bestMeanDice, accuracy: 1e-12)
        let stored = try SafeTensors.read(dir.appendingPathComponent("best/model.safetensors")).metadata
        XCTAssertEqual(stored["epoch"], String(trainer.bestEpoch))
        XCTAssertEqual(Double(try XCTUnwrap(stored["val_mean_dice"])) ?? .nan, reloadedDice, accuracy: 1e-12)
        // metrics.csv logs it with 6 decimals (half a unit of the last place: 5e-7).
        let row = try XCTUnwrap(csv.split(separator: "\n").first { $0.hasPrefix("\(trainer.bestEpoch),") })
        XCTAssertEqual(Double(row.split(separator: ",")[3]) ?? .nan, reloadedDice, accuracy: 5e-7 + 1e-12)
    }

    /// Kill mid-epoch (after 7 steps), resume from the last checkpoint: identical weights and history.
    func testResumeAfterInterruptionIsExact() throws {
        let samples = SyntheticShapes.samples(count: 8, size: SIMD3(16, 16, 16), classes: 3, seed: 9)
        var opts = TrainingOptions()
        opts.epochs = 3
        opts.batchSize = 2
        opts.validationFraction = 0.25
        opts.seed = 42
        opts.augmentation.elastic = 1
        let ref = tempDir(), run = tempDir()
        let a = try Trainer(model: try smallModel(size: 16, classes: 3), samples: samples, options: opts, runDirectory: ref)
        try a.run()

        let b = try Trainer(model: try smallModel(size: 16, classes: 3), samples: samples, options: opts, runDirectory: run)
        b.interruptAfterSteps = 7   // epoch 1 has 3 steps: dies in the middle of epoch 3
        XCTAssertThrowsError(try b.run())
        let c = try Trainer(model: try smallModel(size: 16, classes: 3, seed: 77), samples: samples, options: opts, runDirectory: run)
        XCTAssertTrue(try c.resumeIfPossible())
        try c.run()
        XCTAssertEqual(c.history.map(\.trainLoss), a.history.map(\.trainLoss))
        XCTAssertEqual(c.history.map(\.validationMeanDice), a.history.map(\.validationMeanDice))
        XCTAssertEqual(c.model.network.stateDict().serialized(), a.model.network.stateDict().serialized(),
                       "weights and BatchNorm statistics after resume equal the uninterrupted run")
    }

    /// Validation Dice that never improves stops the run after `patience` epochs.
    func testEarlyStopping() throws {
        let samples = SyntheticShapes.samples(count: 4, size: SIMD3(16, 16, 16), classes: 3, seed: 3)
        var opts = TrainingOptions()
        opts.epochs = 50
        opts.patience = 2
        opts.learningRate = 1e-9      // weights stay put; only BatchNorm statistics move, so Dice plateaus
        opts.validationFraction = 0.25
        opts.augmentation = .none
        let t = try Trainer(model: try smallModel(size: 16, classes: 3), samples: samples, options: opts, runDirectory: tempDir())
        try t.run()
        XCTAssertTrue(t.stoppedEarly)
        XCTAssertLessThan(t.history.count, 50)
        XCTAssertEqual(t.history.count, t.bestEpoch + opts.patience, "stops exactly `patience` epochs after the best")
        for r in t.history where r.epoch > t.bestEpoch { XCTAssertLessThanOrEqual(r.validationMeanDice, t.bestMeanDice) }
        XCTAssertEqual(t.history.map(\.validationMeanDice).max(), t.bestMeanDice)
    }
}
