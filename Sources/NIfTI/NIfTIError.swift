import ImageCore

/// Everything that can go wrong reading or writing a NIfTI file.
///
/// Each error names the file and says what is wrong in words a user can act on, because these messages
/// end up as the CLI's one-line error.
public typealias NIfTIError = FileError<NIfTIErrorKind>

public enum NIfTIErrorKind: String, FileErrorKind {
    /// The file cannot be opened, read or written (missing, permissions, disk full).
    case io = "I/O error"
    /// The file ends before the header or the voxel data it announces.
    case truncated = "truncated file"
    /// The bytes are not a NIfTI-1 or NIfTI-2 single file (bad sizeof_hdr or magic).
    case notNIfTI = "not a NIfTI file"
    /// The header is NIfTI but describes something impossible or unsupported (dims, datatype, offsets).
    case invalidHeader = "invalid NIfTI header"
    /// The voxel-to-world transform is unusable (NaN, infinite, singular).
    case invalidAffine = "invalid NIfTI affine"
    /// The header asks for more memory than is sensible or than the compressed data could hold.
    case tooLarge = "implausible NIfTI size"
    /// The gzip stream is damaged (bad deflate data, CRC mismatch).
    case corruptGzip = "corrupt gzip data"
    /// The caller asked for something this writer cannot do (type, options).
    case unsupported
}
