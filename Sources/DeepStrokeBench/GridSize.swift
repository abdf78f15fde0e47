import ArgumentParser
import Foundation

/// `--size n` (n x n x n) or `--size nx,ny,nz`, each 1...1024: large enough for any CT grid, small
/// enough that a typo cannot ask for terabytes.
struct GridSize: ExpressibleByArgument, Equatable {
    let voxels: SIMD3<Int>

    init(voxels: SIMD3<Int>) {
        self.voxels = voxels
    }

    init?(argument: String) {
        let values = argument.split(separator: ",", omittingEmptySubsequences: false)
            .map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard values.count == 1 || values.count == 3,
              let v = values as? [Int], v.allSatisfy({ (1...1024).contains($0) }) else { return nil }
        voxels = v.count == 1 ? SIMD3(repeating: v[0]) : SIMD3(v[0], v[1], v[2])
    }

    var defaultValueDescription: String {
        voxels.x == voxels.y && voxels.y == voxels.z ? "\(voxels.x)" : "\(voxels.x),\(voxels.y),\(voxels.z)"
    }
}
