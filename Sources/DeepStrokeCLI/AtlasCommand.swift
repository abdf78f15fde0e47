import ArgumentParser
import ASPECTS
import Atlas
import CommandSupport
import Foundation
import ImageCore

struct AtlasCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "atlas",
        abstract: "Build and check volumetric ASPECTS atlases.",
        subcommands: [AtlasBuildCommand.self, AtlasCheckCommand.self, AtlasAggregateCommand.self, AtlasSynthCommand.self])
}

struct AtlasBuildCommand: ThreadedCommand, EnvironmentCommand {
    static let configuration = CommandConfiguration(
        commandName: "build",
        abstract: "Build the ASPECTS atlas (20 labels) in the CT template's space from its anatomical labels.",
        discussion: "Writes template.nii.gz, template_with_skull.nii.gz, labels.nii.gz, labels.json, montage.png and levels.png. Rules: docs/atlas.md.")

    @Option(help: "CT template folder (default: the data folder's ct_template or the fetched copy).")
    var templateDir: String?

    @Option(name: .shortAndLong, help: "Atlas folder to write.")
    var output: String

    @Option(help: "Maximum depth (mm) of the white matter under an M region's cortex.")
    var whiteMatterDepth = 20.0

    @OptionGroup var threadOptions: ThreadOptions

    func run(in environment: CommandEnvironment) throws {
        guard let dir = templateDir.map({ URL(fileURLWithPath: $0) }) ?? environment.paths.templateDirectory else {
            throw ValidationError("no CT template folder found: pass --template-dir or run 'deepstroke fetch-template'")
        }
        let anatomy = try TemplateAnatomy(directory: dir)
        var parameters = AtlasBuilder.Parameters()
        parameters.subjacentWhiteMatterDepthMM = whiteMatterDepth
        let result = try AtlasBuilder(parameters: parameters).build(anatomy)
        let out = URL(fileURLWithPath: output)
        try AtlasWriter(generator: "deepstroke \(DeepStrokeVersion.string) atlas build").write(result, anatomy: anatomy, to: out)
        print(String(format: "atlas -> %@ (midline LPS x %.1f mm)", output, result.midlineX))
        printVolumes(try Atlas(directory: out))
    }
}

struct AtlasCheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Open an atlas folder as every command would and print its region volumes.")

    @Argument(help: "Atlas folder.")
    var atlas: String

    func run() throws {
        let a = try Atlas(directory: URL(fileURLWithPath: atlas))
        print("\(atlas): template \(a.template.size.x)x\(a.template.size.y)x\(a.template.size.z), labels.json \(a.sidecarData == nil ? "absent (fixed convention assumed)" : "present"), template with skull \(a.templateWithSkullURL == nil ? "absent" : "present")")
        printVolumes(a)
        if !a.missingRegions.isEmpty { print("regions without voxels: \(a.missingRegions.map(\.description).joined(separator: ", "))") }
    }
}

/// One line per region pair: name, right and left volumes in mL.
private func printVolumes(_ atlas: Atlas) {
    let v = atlas.regionVolumesML
    for name in ASPECTSRegion.names {
        let r = ASPECTSRegion(name: name, hemisphere: .right)!, l = ASPECTSRegion(name: name, hemisphere: .left)!
        let padded = name.padding(toLength: 3, withPad: " ", startingAt: 0)
        print("  \(padded) right " + String(format: "%6.2f mL  left %6.2f mL", v[r.code]!, v[l.code]!))
    }
}
