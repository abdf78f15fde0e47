import Foundation

/// Everything that can go wrong while reading, decoding, assembling or writing DICOM.
///
/// Each case names the file (or folder) and says what is wrong in plain words, because these messages
/// reach a clinician's log when a hospital archive holds something unexpected.
public enum DICOMError: Error, CustomStringConvertible, Equatable {
    /// The bytes do not form a valid DICOM stream (truncation, impossible lengths, bad markers).
    case malformed(file: String, problem: String)
    /// A file is valid DICOM but is not something we can turn into an image (no pixel data, RTPLAN, ...).
    case notAnImage(file: String, problem: String)
    /// The transfer syntax or pixel encoding is one we deliberately do not decode.
    case unsupported(file: String, problem: String)
    /// A compressed frame could not be decoded.
    case decodeFailed(file: String, problem: String)
    /// A DICOMDIR is unusable or references a path outside its folder.
    case directory(file: String, problem: String)
    /// Slices cannot be assembled into a volume (inconsistent sizes, missing geometry).
    case assembly(series: String, problem: String)
    /// Reading or writing the file system failed.
    case io(file: String, problem: String)
    /// A caller passed something that makes no sense (bad option value).
    case invalidArgument(String)

    public var description: String {
        switch self {
        case .malformed(let f, let p): return "\(f): malformed DICOM: \(p)"
        case .notAnImage(let f, let p): return "\(f): not an image: \(p)"
        case .unsupported(let f, let p): return "\(f): unsupported: \(p)"
        case .decodeFailed(let f, let p): return "\(f): cannot decode pixel data: \(p)"
        case .directory(let f, let p): return "\(f): DICOMDIR problem: \(p)"
        case .assembly(let s, let p): return "series \(s): cannot assemble volume: \(p)"
        case .io(let f, let p): return "\(f): \(p)"
        case .invalidArgument(let s): return "invalid argument: \(s)"
        }
    }
}
