import XCTest
import ImageCore
import Foundation
import Morphology

/// Simple rasterised shapes, in voxel-centre millimetres.
enum Shapes {
    /// Voxels whose centre lies within `radius` mm (ties included) of `centre` (given in voxel indices).
    static func ball(_ g: Geometry, centre: SIMD3<Double>, radius: Double) -> BinaryMask {
        var m = BinaryMask.emptyMask(g)
        for k in 0..<g.size.z { for j in 0..<g.size.y { for i in 0..<g.size.x {
            let d = (SIMD3(Double(i), Double(j), Double(k)) - centre) * g.spacing
            if (d * d).sum() <= radius * radius * (1 + 1e-6) { m[i, j, k] = 1 }
        } } }
        return m
    }

    static func box(_ g: Geometry, _ lo: SIMD3<Int>, _ hi: SIMD3<Int>) -> BinaryMask {
        var m = BinaryMask.emptyMask(g)
        for k in lo.z...hi.z { for j in lo.y...hi.y { for i in lo.x...hi.x { m[i, j, k] = 1 } } }
        return m
    }
}

/// Mask equality that reports how many voxels differ instead of printing both volumes.
func assertSameMask(_ a: @autoclosure () throws -> BinaryMask, _ b: BinaryMask, _ message: String = "",
                    file: StaticString = #filePath, line: UInt = #line) {
    do {
        let x = try a()
        XCTAssertEqual(x.geometry, b.geometry, "grids differ " + message, file: file, line: line)
        let differing = zip(x.data, b.data).filter { ($0 != 0) != ($1 != 0) }.count
        XCTAssertEqual(differing, 0, "\(differing) voxels differ (\(x.nonzeroCount) vs \(b.nonzeroCount) inside) " + message, file: file, line: line)
    } catch {
        XCTFail("threw \(error)", file: file, line: line)
    }
}
