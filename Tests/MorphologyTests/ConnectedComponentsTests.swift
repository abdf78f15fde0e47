import XCTest
import ImageCore
import Morphology

final class ConnectedComponentsTests: XCTestCase {
    func testSeparateCubesAreCountedWithSizes() {
        let g = Geometry(size: SIMD3(30, 20, 10))
        var m = BinaryMask.emptyMask(g)
        let cubes = [(SIMD3(1, 1, 1), 2), (SIMD3(10, 3, 2), 4), (SIMD3(20, 10, 4), 3)]
        for (c, s) in cubes { m = try! m.union(Shapes.box(g, c, c &+ (s - 1))) }
        for conn in Connectivity.allCases {
            let cc = ConnectedComponents(m, connectivity: conn)
            XCTAssertEqual(cc.count, 3)
            XCTAssertEqual(cc.sizes, [8, 64, 27])  // raster order of first voxel
            XCTAssertEqual(ConnectedComponents.largest(m, connectivity: conn).nonzeroCount, 64)
        }
    }

    func testFaceEdgeAndCornerContacts() {
        let g = Geometry(size: SIMD3(6, 6, 6))
        var edge = BinaryMask.emptyMask(g)   // two voxels sharing an edge
        edge[2, 2, 2] = 1; edge[3, 3, 2] = 1
        var corner = BinaryMask.emptyMask(g) // two voxels sharing a corner
        corner[2, 2, 2] = 1; corner[3, 3, 3] = 1
        var edgeK = BinaryMask.emptyMask(g)  // edge across slices (j and k differ)
        edgeK[2, 2, 2] = 1; edgeK[2, 3, 3] = 1
        XCTAssertEqual(ConnectedComponents(edge, connectivity: .six).count, 2)
        XCTAssertEqual(ConnectedComponents(edge, connectivity: .eighteen).count, 1)
        XCTAssertEqual(ConnectedComponents(edgeK, connectivity: .six).count, 2)
        XCTAssertEqual(ConnectedComponents(edgeK, connectivity: .eighteen).count, 1)
        XCTAssertEqual(ConnectedComponents(corner, connectivity: .eighteen).count, 2)
        XCTAssertEqual(ConnectedComponents(corner, connectivity: .twentySix).count, 1)
    }

    /// Against a plain breadth-first flood fill with explicit neighbour offsets.
    func testMatchesFloodFillOnRandomMasks() {
        var rng = SplitMix64(seed: 99)
        let g = Geometry(size: SIMD3(17, 15, 12))
        for density in [0.2, 0.35, 0.5] {
            var m = BinaryMask.emptyMask(g)
            for n in 0..<m.data.count where rng.uniform() < density { m.data[n] = 1 }
            for conn in Connectivity.allCases {
                let cc = ConnectedComponents(m, connectivity: conn)
                let ref = floodLabels(m, conn)
                XCTAssertEqual(cc.count, ref.count, "density \(density) connectivity \(conn)")
                // same partition: labels correspond one to one
                var map = [Int32: Int32]()
                for n in 0..<m.data.count where m.data[n] != 0 {
                    if let seen = map[cc.labels.data[n]] { XCTAssertEqual(seen, ref.labels[n]) } else { map[cc.labels.data[n]] = ref.labels[n] }
                }
                XCTAssertEqual(Set(map.values).count, map.count)
            }
        }
    }

    private func floodLabels(_ m: BinaryMask, _ conn: Connectivity) -> (labels: [Int32], count: Int) {
        let s = m.size
        var offsets = [SIMD3<Int>]()
        for dz in -1...1 { for dy in -1...1 { for dx in -1...1 {
            let nz = abs(dx) + abs(dy) + abs(dz)
            if nz == 0 { continue }
            if conn == .six && nz > 1 { continue }
            if conn == .eighteen && nz > 2 { continue }
            offsets.append(SIMD3(dx, dy, dz))
        } } }
        var labels = [Int32](repeating: 0, count: m.data.count)
        var count: Int32 = 0
        for start in 0..<m.data.count where m.data[start] != 0 && labels[start] == 0 {
            count += 1
            labels[start] = count
            var queue = [start]
            while let n = queue.popLast() {
                let p = SIMD3(n % s.x, (n / s.x) % s.y, n / (s.x * s.y))
                for o in offsets {
                    let q = p &+ o
                    if q.x < 0 || q.y < 0 || q.z < 0 || q.x >= s.x || q.y >= s.y || q.z >= s.z { continue }
                    let qn = (q.z * s.y + q.y) * s.x + q.x
                    if m.data[qn] != 0 && labels[qn] == 0 { labels[qn] = count; queue.append(qn) }
                }
            }
        }
        return (labels, Int(count))
    }

    func testRemovingSmallComponents() {
        let g = Geometry(size: SIMD3(20, 20, 20))
        var m = Shapes.box(g, SIMD3(0, 0, 0), SIMD3(4, 4, 4))
        m[10, 10, 10] = 1
        m[15, 15, 15] = 1; m[15, 15, 16] = 1
        XCTAssertEqual(ConnectedComponents.removingSmall(m, minimumVoxels: 2).nonzeroCount, 127)
        XCTAssertEqual(ConnectedComponents.largest(BinaryMask.emptyMask(g)).nonzeroCount, 0)
    }
}
