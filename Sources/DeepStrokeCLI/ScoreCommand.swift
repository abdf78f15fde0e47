import ArgumentParser
import ASPECTS
import CommandSupport
import Foundation
import ImageCore
import Pipeline

struct ScoreCommand: ThreadedCommand {
    static let configuration = CommandConfiguration(
        commandName: "score",
        abstract: "Score ASPECTS from a CT (HU) and its 20-label ASPECTS map; write aspects.json, regions.csv, PNGs and report.html.",
        discussion: """
        Labels: 0 background, right 1 C, 2 L, 3 IC, 4 I, 5-10 M1-M6, left 11-20 in the same order, on the CT's grid. \
        A region is affected when it is darker than its mirror by the calibrated threshold (see docs/aspects.md). \
        --calibrate reruns the threshold calibration on generated patients and prints it as JSON instead of scoring.
        """)

    @Argument(help: "CT volume in Hounsfield units (.nii or .nii.gz).")
    var ct: String?

    @Option(help: "ASPECTS label map on the CT grid.")
    var labels: String?

    @Option(name: [.short, .customLong("output")], help: "Report folder (created if needed).")
    var output: String?

    @Option(help: "Segmentation softmax on the CT grid (11 or 21 components), for per-region confidence.")
    var probabilities: String?

    @Option(parsing: .unconditional, help: ArgumentHelp("Tissue HU range kept inside regions.", valueName: "low,high"))
    var tissueRange = HUInterval(10...60)

    @Option(help: "Hypodensity threshold in HU (default: the calibrated one).")
    var threshold: Double?

    @Option(help: "Call a region affected also when at least this fraction (0-1) of its tissue is hypodense in the voxel-wise map (default: the calibrated 0.35; 1 all but turns this part off; see docs/aspects.md).")
    var hypodenseFraction: Double?

    @Option(help: "With --hypodense-fraction: how much darker than its mirror (region means, HU) a region called on its fraction must be.")
    var fractionMeanFloor: Double?

    @Option(help: "Call a region affected also when its anterior or posterior half is this much darker than the mirror's same half, HU (default: the calibrated 3.5; see docs/aspects.md, \"Region halves\").")
    var halfThreshold: Double?

    @Flag(help: "Skip the shape/histogram/texture descriptors.")
    var noDescriptors = false

    @Flag(help: "Calibrate the threshold on generated patients and print the result as JSON.")
    var calibrate = false

    @Flag(help: "With --calibrate: calibrate the voxel-wise hypodensity evidence instead and compare the mean, fraction and combined rules.")
    var evidence = false

    @Option(help: "With --calibrate --evidence: Gaussian sigma of the hypodensity map's local means, mm.")
    var evidenceSigma = HypodensityMap.Options.calibrated.sigmaMM

    @Option(help: "With --calibrate: lesion-free and lesion cases to generate (each).")
    var cases = 40

    @Option(help: "With --calibrate: random seed.")
    var seed: UInt64 = 20_240_501

    @OptionGroup var threadOptions: ThreadOptions

    /// The files scoring reads and the folder it writes; nil when one is missing (only --calibrate runs
    /// without them).
    private var files: (ct: URL, labels: URL, output: URL)? {
        guard let ct, let labels, let output else { return nil }
        return (URL(fileURLWithPath: ct), URL(fileURLWithPath: labels), URL(fileURLWithPath: output))
    }

    private static var missingFiles: ValidationError { ValidationError("score needs a CT, --labels and -o/--output (or --calibrate)") }

    func validate() throws {
        guard cases > 0 else { throw ValidationError("--cases must be positive") }
        guard calibrate || files != nil else { throw Self.missingFiles }
    }

    func run() throws {
        if calibrate {
            let e = JSONEncoder()
            e.keyEncodingStrategy = .convertToSnakeCase
            e.outputFormatting = [.prettyPrinted, .sortedKeys]
            e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
            if evidence {
                print(String(decoding: try e.encode(HypodensityCalibration.run(casesPerKind: cases, seed: seed, sigmaMM: evidenceSigma)), as: UTF8.self))
            } else {
                print(String(decoding: try e.encode(ThresholdCalibration.run(cases: cases, seed: seed)), as: UTF8.self))
            }
            return
        }
        guard let files else { throw Self.missingFiles }
        var rule = EarlyIschemicChangeRule.calibrated
        if let t = threshold { rule.thresholdHU = t }
        if let f = hypodenseFraction {
            rule.minimumHypodenseFraction = f
            rule.fractionMeanFloorHU = fractionMeanFloor ?? rule.fractionMeanFloorHU
        }
        if let h = halfThreshold { rule.halfThresholdHU = h }
        rule = try rule.validated()
        let scorer = ASPECTSScorer(rule: rule, tissueRange: try HURange(lower: tissueRange.low, upper: tissueRange.high),
                                   computeDescriptors: !noDescriptors)
        let (result, written) = try ScoreFiles.run(ct: files.ct, labels: files.labels,
                                                   probabilities: probabilities.map { URL(fileURLWithPath: $0) },
                                                   output: files.output, scorer: scorer,
                                                   software: "DeepStroke \(DeepStrokeVersion.string)")
        let affected = result.regions.filter(\.affected).map(\.region.description)
        print("ASPECTS right \(result.score(.right).map(String.init) ?? "n/a"), left \(result.score(.left).map(String.init) ?? "n/a"); affected side: \(result.affectedSide?.rawValue ?? "none")"
            + (affected.isEmpty ? "" : " (\(affected.joined(separator: ", ")))"))
        print("report: \(written.map(\.path).joined(separator: " "))")
    }
}
