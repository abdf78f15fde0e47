import ArgumentParser
import CommandSupport
import Foundation
import ImageCore
import NIfTI
import Registration

struct RegisterCommand: ThreadedCommand {
    static let configuration = CommandConfiguration(
        commandName: "register",
        abstract: "Register a moving image to a fixed image: moments, rigid, affine, then SyN with local NCC.",
        discussion: """
            Writes PREFIX_warped.nii.gz (moving on the fixed grid), PREFIX_affine.txt (ITK affine, fixed -> \
            moving, LPS), PREFIX_warp.nii.gz and PREFIX_inverse_warp.nii.gz (displacement fields on the fixed \
            grid, 5-D NIfTI vectors in LPS mm, as ANTs writes them) and PREFIX_report.json (quality measures). \
            antsApplyTransforms reads them: -t PREFIX_warp.nii.gz -t PREFIX_affine.txt pulls moving images onto \
            the fixed grid; -t [PREFIX_affine.txt,1] -t PREFIX_inverse_warp.nii.gz the other way. Presets: fast \
            (greedy SyN, 2 mm working grid), default (symmetric SyN down to 1 mm), aggressive (more iterations).
            """)

    @Option(help: "Fixed (reference) image, .nii or .nii.gz.")
    var fixed: String

    @Option(help: "Moving image, .nii or .nii.gz.")
    var moving: String

    @Option(name: [.short, .customLong("output")], help: "Output prefix (may include a folder).")
    var output: String

    @Option(help: "Registration preset.")
    var preset: RegistrationPreset = .default

    @Option(help: ArgumentHelp("Parameters as JSON, replacing the preset's: the \"parameters\" object of a PREFIX_report.json, edited.",
                               valueName: "json-file"))
    var parameters: String?

    @Option(help: "Mask on the fixed grid restricting the metrics (non-zero voxels count).")
    var fixedMask: String?

    @Option(help: "Metric of the rigid and affine stages: mattes (different intensities, skull) or ncc.")
    var linearMetric: LinearMetric?

    @Flag(help: "Stop after the affine stage (no warp files).")
    var affineOnly = false

    @OptionGroup var threadOptions: ThreadOptions

    @Flag(help: "No progress lines on stderr.")
    var quiet = false

    func run() throws {
        let fixedImage = try NIfTIFile.readVolume(URL(fileURLWithPath: fixed), as: Float.self)
        let movingImage = try NIfTIFile.readVolume(URL(fileURLWithPath: moving), as: Float.self)
        let mask = try fixedMask.map { try NIfTIFile.readVolume(URL(fileURLWithPath: $0), as: Float.self) }
        var parameters = preset.parameters
        var label = preset.rawValue
        if let path = self.parameters {
            let url = URL(fileURLWithPath: path)
            do {
                parameters = try JSONDecoder().decode(RegistrationParameters.self, from: Data(contentsOf: url))
            } catch {
                throw ValidationError("\(path): not a registration parameters JSON (\(error))")
            }
            label = url.lastPathComponent
        }
        if let linearMetric { parameters.linear.metric = linearMetric }
        if affineOnly { parameters.syn = nil }
        let progress: ((String) -> Void)? = quiet ? nil : { line in
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
        let registration = ImageRegistration(parameters: parameters, label: label, progress: progress)
        let result = try registration.register(fixed: fixedImage, moving: movingImage, fixedMask: mask)
        try TransformFiles.write(result, prefix: output)
        let p = TransformFiles.paths(prefix: output)
        var written = [p.warped, p.affine]
        if result.forwardWarp != nil { written += [p.warp, p.inverseWarp] }
        written.append(p.report)
        print(written.map { $0.path }.joined(separator: "\n"))
    }
}
