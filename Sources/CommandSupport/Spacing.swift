import ArgumentParser
import Foundation

/// A voxel spacing in mm given as one value for all axes (`2`) or one per axis (`1,1,5`); every value
/// positive and finite. Parsed by ArgumentParser, so a bad value is refused before the command runs,
/// with the option named.
public struct Spacing: ExpressibleByArgument, Equatable, Sendable {
    public let millimetres: SIMD3<Double>

    public init(millimetres: SIMD3<Double>) {
        self.millimetres = millimetres
    }

    public init?(argument: String) {
        let values = argument.split(separator: ",", omittingEmptySubsequences: false)
            .map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard values.count == 1 || values.count == 3,
              let v = values as? [Double], v.allSatisfy({ $0 > 0 && $0.isFinite }) else { return nil }
        millimetres = v.count == 1 ? SIMD3(repeating: v[0]) : SIMD3(v[0], v[1], v[2])
    }

    public var defaultValueDescription: String {
        millimetres.x == millimetres.y && millimetres.y == millimetres.z
            ? "\(millimetres.x)" : "\(millimetres.x),\(millimetres.y),\(millimetres.z)"
    }
}
