import DICOM
import Foundation
import ImageCore
import NIfTI

/// The one place DICOM conversion writes NIfTI files, so naming and options stay consistent.
enum NIfTIOutput {
    static func write<T: VoxelType>(_ v: Volume<T>, to url: URL) throws {
        do { try NIfTIFile.write(v, to: url) } catch {
            throw DICOMError.io(file: url.path, problem: "cannot write NIfTI: \(error)")
        }
    }
}
