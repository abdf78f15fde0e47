import Foundation

/// Everything that can go wrong reading or writing a NIfTI file.
///
/// Each case names the file and says what is wrong in words a user can act on, because these messages
/// end up as the CLI's one-line error.
public enum NIfTIError: Error, CustomStringConvertible, Equatable {
    /// The file cannot be opened, read or written (missing, permissions, disk full).
    case io(file: String, problem: String)
    /// The file ends before the header or the voxel data it announces.
    case truncated(file: String, problem: String)
    /// The bytes are not a NIfTI-1 or NIfTI-2 single file (bad sizeof_hdr or magic).
    case notNIfTI(file: String, problem: String)
    /// The header is NIfTI but describes something impossible or unsupported (dims, datatype, offsets).
    case invalidHeader(file: String, problem: String)
    /// The voxel-to-world transform is unusable (NaN, infinite, singular).
    case invalidAffine(file: String, problem: String)
    /// The header asks for more memory than is sensible or than the compressed data could hold.
    case tooLarge(file: String, problem: String)
    /// The gzip stream is damaged (bad deflate data, CRC mismatch).
    case corruptGzip(file: String, problem: String)
    /// The caller asked for something this writer cannot do (type, options).
    case unsupported(file: String, problem: String)

    public var file: String {
        switch self {
        case .io(let f, _), .truncated(let f, _), .notNIfTI(let f, _), .invalidHeader(let f, _),
             .invalidAffine(let f, _), .tooLarge(let f, _), .corruptGzip(let f, _), .unsupported(let f, _):
            return f
        }
    }

    public var problem: String {
        switch self {
        case .io(_, let p), .truncated(_, let p), .notNIfTI(_, let p), .invalidHeader(_, let p),
             .invalidAffine(_, let p), .tooLarge(_, let p), .corruptGzip(_, let p), .unsupported(_, let p):
            return p
        }
    }

    public var description: String {
        let kind: String
        switch self {
        case .io: kind = "I/O error"
        case .truncated: kind = "truncated file"
        case .notNIfTI: kind = "not a NIfTI file"
        case .invalidHeader: kind = "invalid NIfTI header"
        case .invalidAffine: kind = "invalid NIfTI affine"
        case .tooLarge: kind = "implausible NIfTI size"
        case .corruptGzip: kind = "corrupt gzip data"
        case .unsupported: kind = "unsupported"
        }
        return "\(file): \(kind): \(problem)"
    }
}
