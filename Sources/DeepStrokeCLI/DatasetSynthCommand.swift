import ArgumentParser
import Atlas
import CommandSupport
import Foundation
import NIfTI
import Pipeline
import Segmentation

/// `deepstroke dataset synth`: generated training patients with domain randomisation (anatomy, scanner,
/// lesions; `DomainRandomization`), in the layout `train --data` reads.
struct DatasetSynthCommand: EnvironmentCommand {
    static let configuration = CommandConfiguration(
        commandName: "synth",
        abstract: "Generate randomised training patients (atrophy, contrast, lesions, slice thickness, noise, tilt, cropping) with exact labels.",
        discussion: """
            Writes OUT/images/NAME.nii.gz (HU), OUT/labels/NAME.nii.gz (20-label truth) and OUT/draws/NAME.json (what was \
            drawn) for seeds FIRST..FIRST+COUNT-1; patients already written are kept, so an interrupted run resumes.
            With --registered, images and labels are in the registered form a frame model reads (skull stripped, \
            affinely registered to the atlas by the label transfer's own linear stages, cut to the atlas frame); \
            OUT/frame.json records the frame, and `train` then makes a frame model.
            """)

    @Option(name: .shortAndLong, help: "Output folder.")
    var output: String

    @Option(help: "Number of patients.")
    var count: Int

    @Option(help: "Seed of the first patient (patients are named synthNNNNN after their seed).")
    var firstSeed: UInt64 = 1

    @Option(help: "Atlas folder (default: the bundled atlas).")
    var atlas: String?

    @Flag(help: "Write the registered form (atlas frame) instead of the native scans.")
    var registered = false

    func run(in environment: CommandEnvironment) throws {
        guard count > 0 else { throw ValidationError("--count must be positive") }
        let a = try atlas.map { try Atlas(directory: URL(fileURLWithPath: $0)) } ?? DefaultAtlas.load(environment.resources)
        let out = URL(fileURLWithPath: output)
        let fm = FileManager.default
        for sub in ["images", "labels", "draws"] {
            try fm.createDirectory(at: out.appendingPathComponent(sub), withIntermediateDirectories: true)
        }
        let frame = try registered ? AtlasFrame(atlas: a) : nil
        if let f = frame {
            let spec = Preprocessing.AtlasFrameBox(lower: [f.box.lower.x, f.box.lower.y, f.box.lower.z],
                                                   size: [f.box.size.x, f.box.size.y, f.box.size.z])
            let url = out.appendingPathComponent(TrainCommand.frameFileName)
            let data = try JSONEncoder().encode(spec)
            if let old = try? Data(contentsOf: url), (try? JSONDecoder().decode(Preprocessing.AtlasFrameBox.self, from: old)) != spec {
                throw ValidationError("\(url.path) describes another frame; use a new output folder")
            }
            try data.write(to: url, options: .atomic)
        }
        let randomization = DomainRandomization()
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        for n in 0..<count {
            let seed = firstSeed + UInt64(n)
            let name = String(format: "synth%05llu", seed)
            let draw = out.appendingPathComponent("draws/\(name).json")
            // The draw is written last: its presence means the patient is complete.
            if fm.fileExists(atPath: draw.path) { continue }
            let t0 = Date()
            let p = try randomization.generate(atlas: a, seed: seed)
            if let f = frame {
                let r = try f.register(p.ct, atlas: a, name: name)
                try NIfTIFile.write(r.image, to: out.appendingPathComponent("images/\(name).nii.gz"))
                try NIfTIFile.write(try f.labels(p.labels, in: r, atlas: a), to: out.appendingPathComponent("labels/\(name).nii.gz"))
            } else {
                try NIfTIFile.write(p.ct, to: out.appendingPathComponent("images/\(name).nii.gz"))
                try NIfTIFile.write(p.labels, to: out.appendingPathComponent("labels/\(name).nii.gz"))
            }
            let tmp = draw.appendingPathExtension("tmp")
            try encoder.encode(p.draw).write(to: tmp)
            guard rename(tmp.path, draw.path) == 0 else { throw PipelineError.output(path: draw.path, problem: String(cString: strerror(errno))) }
            let s = p.ct.size
            print("\(name): \(s.x)x\(s.y)x\(s.z), slices \(String(format: "%.1f", p.draw.sliceThicknessMM)) mm, lesion \(p.draw.acuteLesionCodes), "
                + String(format: "%.1f s", Date().timeIntervalSince(t0)))
        }
    }
}
