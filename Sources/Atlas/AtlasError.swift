import ImageCore

/// Errors raised while building, writing or opening an ASPECTS atlas. Each names the file (or
/// folder) and says what is wrong in words a user can act on.
public typealias AtlasError = FileError<AtlasErrorKind>

public enum AtlasErrorKind: String, FileErrorKind {
    /// A required file is absent.
    case missingFile = "missing"
    /// A file exists but its content cannot be used (wrong grid, labels outside the convention, ...).
    case invalidContent = ""
    /// The template's anatomy does not allow a rule to be applied (a structure is missing or empty).
    case anatomy = "cannot build the atlas"
    /// Writing the atlas failed.
    case output = "cannot write"
}
