/// An error about one file: which file, what kind of trouble, and what exactly is wrong, shown as
/// "file: kind: problem". The errors of the file formats (NIfTI, the atlas folder) all have this one
/// shape, so they share this type and its message; each format names its own kinds.
///
/// A struct with a kind rather than an enum whose every case carries `(file:problem:)`: the file and
/// the problem are there whatever the kind, so they are stored once, and a test or a caller matches
/// on `kind` alone.
public struct FileError<Kind: FileErrorKind>: Error, CustomStringConvertible, Equatable, Sendable {
    public let kind: Kind
    /// The file (or folder) at fault, as the user named it.
    public let file: String
    /// What is wrong, in words a user can act on.
    public let problem: String

    public init(_ kind: Kind, file: String, problem: String) {
        self.kind = kind
        self.file = file
        self.problem = problem
    }

    public var description: String {
        kind.summary.isEmpty ? "\(file): \(problem)" : "\(file): \(kind.summary): \(problem)"
    }
}

/// The kinds of a `FileError`: each says in a few words what went wrong ("truncated file"), or
/// nothing when the problem says it all.
public protocol FileErrorKind: Equatable, Sendable {
    var summary: String { get }
}

extension FileErrorKind where Self: RawRepresentable, RawValue == String {
    public var summary: String { rawValue }
}
