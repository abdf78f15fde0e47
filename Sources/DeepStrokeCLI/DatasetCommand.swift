import ArgumentParser
import Atlas
import CommandSupport
import Foundation
import ImageCore
import Pipeline
import Registration

struct DatasetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dataset",
        abstract: "Curate a training set from DICOM archives: convert, label, write the three forms and a SQLite manifest.",
        subcommands: [DatasetBuildCommand.self, DatasetMergeCommand.self, DatasetSynthCommand.self])
}

struct DatasetBuildCommand: ThreadedCommand, EnvironmentCommand {
    static let configuration = CommandConfiguration(
        commandName: "build",
        abstract: "Build (or resume) a dataset from every DICOMDIR archive and DICOM folder under SOURCE.",
        discussion: """
            Writes raw_volumes/ + raw_segmentation/, stripped_volumes/, registered_volumes/ + registered_segmentation/, \
            overlays/, qa/ and manifest.sqlite (manifest-shard-I-of-N.sqlite with --shard). Rerunning skips finished \
            scans. SLURM: sbatch --array=0-$((N-1)) with --shard $SLURM_ARRAY_TASK_ID/N, then `dataset merge`. \
            See docs/pipeline.md.
            """)

    @Argument(help: "Folder of DICOMDIR archives and/or DICOM folders.")
    var source: String

    @Option(name: .shortAndLong, help: "Dataset folder (created if needed).")
    var output: String

    @Option(help: "Atlas folder (default: the bundled atlas).")
    var atlas: String?

    @Option(help: "Registration preset.")
    var preset: RegistrationPreset = .default

    @Option(help: "Scans processed at once; with more than one, each scan runs on one thread (--threads then applies to one job only).")
    var jobs = 1

    @Option(help: ArgumentHelp("Process only shard I of N (I in 0..<N), e.g. 3/8.", valueName: "i/n"))
    var shard: ShardSpec?

    @Flag(help: "Also redo scans that failed before.")
    var retryFailed = false

    @OptionGroup var threadOptions: ThreadOptions

    func run(in environment: CommandEnvironment) throws {
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1") }
        let log: @Sendable (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }
        let a = try atlas.map { try Atlas(directory: URL(fileURLWithPath: $0)) } ?? DefaultAtlas.load(environment.resources)
        var o = DatasetBuilder.Options()
        o.jobs = jobs
        o.shard = shard
        o.retryFailed = retryFailed
        o.showProgress = true
        o.log = log
        let builder = DatasetBuilder(source: URL(fileURLWithPath: source), output: URL(fileURLWithPath: output),
                                     labeler: LabelTransferLabeler(atlas: a, preset: preset), options: o)
        let s = try builder.run()
        print("\(s.studies) studies found, \(s.inShard) in this shard: \(s.succeeded) done now, \(s.alreadyDone) done before, "
            + "\(s.failed) failed, \(s.skipped) without a usable series; manifest \(s.manifest)")
        if s.failed > 0 { throw ExitCode(1) }
    }
}

struct DatasetMergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Join shard manifests (files or dataset folders) into one dataset's manifest.sqlite.")

    @Argument(help: "Shard manifests (*.sqlite) or dataset folders.")
    var inputs: [String]

    @Option(name: .shortAndLong, help: "Dataset folder to write the merged manifest (and missing files) into.")
    var output: String

    func run() throws {
        guard !inputs.isEmpty else { throw ValidationError("give at least one manifest or dataset folder") }
        let s = try DatasetMerger.merge(inputs.map { URL(fileURLWithPath: $0) }, into: URL(fileURLWithPath: output)) {
            FileHandle.standardError.write(Data(($0 + "\n").utf8))
        }
        let counts = s.counts.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
        print("merged \(s.inputs.count) manifest(s): \(s.rows) scans (\(counts)), \(s.filesLinked) file(s) linked -> \(output)")
    }
}
