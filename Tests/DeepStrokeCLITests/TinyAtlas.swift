import Foundation
import ImageCore
import NIfTI

/// Writes volumes for the tests (one place, so the tests read as commands and checks).
enum NIfTIFileWriting {
    static func write<T: VoxelType>(_ volume: Volume<T>, to url: URL) throws {
        try NIfTIFile.write(volume, to: url)
    }
}

/// An atlas folder small enough to open in milliseconds: a 16³ template and labels 1 (right C) and
/// 11 (left C). Enough for commands that open an atlas before they look at their input.
enum TinyAtlas {
    static func write(in folder: URL) throws -> URL {
        let dir = folder.appendingPathComponent("atlas")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let template = try TinyImages.ct(size: 16)
        try NIfTIFile.write(template, to: dir.appendingPathComponent("template.nii.gz"))
        try NIfTIFile.write(try TinyImages.labels(for: template, left: 11, right: 1), to: dir.appendingPathComponent("labels.nii.gz"))
        return dir
    }
}
