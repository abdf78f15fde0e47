import ArgumentParser
import NIfTI

/// `--datatype float32` etc.: numpy-style names, as nibabel prints them.
extension NIfTIDatatype: @retroactive ExpressibleByArgument {
    public init?(argument: String) {
        self.init(name: argument)
    }

    /// The scalar types (rgb24 is accepted too, but only meaningful for colour input).
    public static var allValueStrings: [String] {
        allCases.filter { $0 != .rgb24 }.map(\.name)
    }
}
