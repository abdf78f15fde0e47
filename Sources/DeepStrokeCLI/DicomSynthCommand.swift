import ArgumentParser
import CommandSupport
import DICOM
import Foundation
import ImageCore
import NIfTI

struct DicomSynthCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synth", abstract: "Write a CT Image Storage series (or a whole study with decoy series) from a NIfTI volume in HU.")

    @Argument(help: "Volume in HU (.nii or .nii.gz).") var volume: String
    @OptionGroup var destination: OutputFolder
    @Option(help: "Slice thickness/spacing in mm (resamples along k).") var sliceThickness: Double?
    @Option(help: "Gantry tilt in degrees (sheared grid).") var tilt: Double = 0
    @Option(help: "UInt8 mask on the volume's grid, written as 60xx overlay planes.") var overlay: String?
    @Flag(help: "Implicit VR Little Endian instead of Explicit.") var implicit = false
    @Flag(help: "RLE Lossless pixel data.") var rle = false
    @Flag(help: "Overlay bits embedded in bit 15 of 12-bit pixels (old-scanner style).") var embeddedOverlay = false
    @Flag(help: "Write a whole study: the series plus scout, bone-kernel, contrast and reformat decoys.") var study = false

    func run() throws {
        guard !(implicit && rle) else { throw DicomFailure("--implicit and --rle cannot be combined (RLE is always explicit VR)") }
        do {
            let hu: Volume<Float> = try NIfTIFile.readVolume(URL(fileURLWithPath: volume), as: Float.self)
            let mask: Volume<UInt8>? = try overlay.map { try NIfTIFile.readVolume(URL(fileURLWithPath: $0), as: UInt8.self) }
            var o = CTSeriesSynthesizer.Options()
            o.sliceThickness = sliceThickness
            o.tiltDegrees = tilt
            o.encoding = rle ? .rle : implicit ? .implicitLittle : .explicitLittle
            o.embedOverlayInPixelData = embeddedOverlay
            let dir = destination.url
            if study {
                let s = try StudySynthesizer.write(hu, overlay: mask, to: dir, base: o)
                for se in s.series { print("\(se.folder.path): series \(se.seriesNumber) \"\(se.description)\" (\(se.role)), \(se.result.files.count) file(s)") }
            } else {
                let r = try CTSeriesSynthesizer.write(hu, overlay: mask, to: dir, options: o)
                let s = r.volume.geometry.size
                print("wrote \(r.files.count) file(s) to \(dir.path): \(s.x)x\(s.y)x\(s.z)" + (r.overlaySlices > 0 ? ", overlays on \(r.overlaySlices) slice(s)" : ""))
            }
        } catch let e as DICOMError {
            throw DicomFailure(e.description)
        } catch let e as NIfTIError {
            throw DicomFailure(e.description)
        }
    }
}
