import Foundation
import ImageCore
import NeuralEngine

/// Inference: a CT volume in, a label volume on the same grid out.
///
/// The scan is brought into the network grid (ImageCore's `Resampler` with `BoxSampler`'s map: its
/// whole box at `inputSize`, or at the
/// model's spacing with sliding windows when the preprocessing names one), the network's softmax
/// probabilities are computed there (optionally averaged with a left-right mirrored pass), and each
/// native voxel takes the class with the highest *interpolated probability* — so labels are never
/// averaged or invented by the mapping back.
public struct Segmenter {
    public let model: ModelFolder
    /// Average with a mirrored pass (test-time augmentation).
    public var mirrorTTA = false

    public init(model: ModelFolder, mirrorTTA: Bool = false) {
        self.model = model
        self.mirrorTTA = mirrorTTA
    }

    public struct Output {
        public var labels: Volume<UInt8>
        /// Per-class probabilities on the native grid (only when asked for).
        public var probabilities: Volume<Float>?
    }

    /// Segments a CT in HU.
    public func segment(_ ct: Volume<Float>, probabilities wantProbabilities: Bool = false) throws -> Output {
        guard ct.components == 1 else { throw SegmentationError.invalidInput("the CT must be a 3-D volume") }
        guard model.config.classes <= 256 else { throw SegmentationError.invalidInput("more than 256 classes") }
        // The network sees every scan in one voxel order (LPS), as the trainer gave it its samples.
        let order = AxisReorientation(toLPS: ct.geometry)
        if !order.isIdentity {
            let out = try segmentLPS(try order.apply(ct), probabilities: wantProbabilities)
            return Output(labels: try order.restore(out.labels), probabilities: try out.probabilities.map { try order.restore($0) })
        }
        return try segmentLPS(ct, probabilities: wantProbabilities)
    }

    /// Segments a scan already in LPS voxel order: its head box, or all of it.
    func segmentLPS(_ ct: Volume<Float>, probabilities wantProbabilities: Bool) throws -> Output {
        let box = model.preprocessing.cropBox(ct)
        if box.size == ct.size { return try segmentBox(ct, probabilities: wantProbabilities) }
        // Segment the head box, then put it back in the scan: outside it is background with certainty.
        let inner = try segmentBox(try ct.cropped(to: box), probabilities: wantProbabilities)
        var labels = Volume<UInt8>(geometry: ct.geometry)
        let K = model.config.classes
        var probs: Volume<Float>? = nil
        if wantProbabilities {
            var p = Volume<Float>(geometry: ct.geometry, components: K)
            for v in 0..<ct.geometry.voxelCount { p.data[v] = 1 }
            probs = p
        }
        let bs = box.size, n = ct.geometry.voxelCount, m = bs.x * bs.y * bs.z
        for k in 0..<bs.z {
            for j in 0..<bs.y {
                let to = ct.linearIndex(box.lower.x, box.lower.y + j, box.lower.z + k), from = (k * bs.y + j) * bs.x
                labels.data.replaceSubrange(to..<(to + bs.x), with: inner.labels.data[from..<(from + bs.x)])
                if let ip = inner.probabilities {
                    for c in 0..<K {
                        probs!.data.replaceSubrange((c * n + to)..<(c * n + to + bs.x), with: ip.data[(c * m + from)..<(c * m + from + bs.x)])
                    }
                }
            }
        }
        return Output(labels: labels, probabilities: probs)
    }

    /// Segments the part of the scan the network sees (the head box, or the whole scan).
    func segmentBox(_ ct: Volume<Float>, probabilities wantProbabilities: Bool) throws -> Output {
        let pre = model.preprocessing
        let scan = ct.size
        let normalized = pre.normalize(ct.data)
        let grid: SIMD3<Int>
        if let sp = pre.spacing {
            let ext = SIMD3<Double>(scan) * ct.geometry.spacing
            grid = SIMD3((0..<3).map { Swift.max(1, Int((ext[$0] / sp[$0]).rounded())) })
        } else {
            grid = SIMD3(pre.inputSize[0], pre.inputSize[1], pre.inputSize[2])
        }
        // The network grid spans the scan's box (BoxSampler's map), resampled with ImageCore.
        let scale = SIMD3<Double>(scan) / SIMD3<Double>(grid)
        let shift = 0.5 * scale - 0.5
        let map = Matrix4(rowMajor: [scale.x, 0, 0, shift.x, 0, scale.y, 0, shift.y, 0, 0, scale.z, shift.z, 0, 0, 0, 1])
        let netGeometry = Geometry(size: grid, spacing: ct.geometry.spacing * scale, origin: ct.geometry.worldLPS(shift),
                                   direction: ct.geometry.direction)
        let netImage = try Resampler(interpolation: .linear)
            .resample(try Volume(geometry: ct.geometry, data: normalized), indexMap: map, outputGeometry: netGeometry).data
        var probs = try probabilitiesOnGrid(netImage, grid: grid)
        if mirrorTTA {
            let mirrored = try probabilitiesOnGrid(Self.mirror(netImage, grid, channels: 1), grid: grid)
            let back = Self.mirror(mirrored, grid, channels: model.config.classes)
            let table = pre.mirroredLabels ?? Array(0..<model.config.classes)
            let V = grid.x * grid.y * grid.z
            for k in 0..<model.config.classes {
                let src = table[k]
                for v in 0..<V { probs[k * V + v] = 0.5 * (probs[k * V + v] + back[src * V + v]) }
            }
        }
        // The network's freed activation buffers are of no use to what follows.
        HostMemory.releaseCached()
        return mapBack(probs, grid: grid, geometry: ct.geometry, wantProbabilities: wantProbabilities)
    }

    /// Mirrors along i (left-right) every channel of a [C, D, H, W] buffer.
    static func mirror(_ x: [Float], _ g: SIMD3<Int>, channels: Int) -> [Float] {
        var out = x
        for row in 0..<(channels * g.y * g.z) {
            let base = row * g.x
            for i in 0..<g.x { out[base + i] = x[base + g.x - 1 - i] }
        }
        return out
    }

    /// Softmax probabilities [K, grid] from one network pass, or sliding windows when the grid is
    /// larger than (or not a multiple-friendly size of) the network input.
    func probabilitiesOnGrid(_ image: [Float], grid: SIMD3<Int>) throws -> [Float] {
        let K = model.config.classes, div = model.config.sizeDivisor
        let patch = SIMD3(model.preprocessing.inputSize[0], model.preprocessing.inputSize[1], model.preprocessing.inputSize[2])
        let V = grid.x * grid.y * grid.z
        if grid == patch {
            return try runNetwork(image, size: grid)
        }
        // Sliding windows of `patch` (shrunk to the grid rounded up to the divisor when smaller).
        let win = SIMD3((0..<3).map { a in Swift.min(patch[a], ((grid[a] + div - 1) / div) * div) })
        func starts(_ a: Int) -> [Int] {
            if grid[a] <= win[a] { return [0] }
            let step = Swift.max(1, Int(Double(win[a]) * (1 - model.preprocessing.overlap)))
            var s = Array(stride(from: 0, to: grid[a] - win[a], by: step))
            s.append(grid[a] - win[a])
            return s
        }
        var acc = [Float](repeating: 0, count: K * V)
        var weight = [Float](repeating: 0, count: V)
        for z0 in starts(2) { for y0 in starts(1) { for x0 in starts(0) {
            var patchImage = [Float](repeating: 0, count: win.x * win.y * win.z)
            for k in 0..<win.z where z0 + k < grid.z { for j in 0..<win.y where y0 + j < grid.y { for i in 0..<win.x where x0 + i < grid.x {
                patchImage[(k * win.y + j) * win.x + i] = image[((z0 + k) * grid.y + y0 + j) * grid.x + x0 + i]
            } } }
            let p = try runNetwork(patchImage, size: win)
            let pv = win.x * win.y * win.z
            for k in 0..<win.z where z0 + k < grid.z { for j in 0..<win.y where y0 + j < grid.y { for i in 0..<win.x where x0 + i < grid.x {
                let g = ((z0 + k) * grid.y + y0 + j) * grid.x + x0 + i, l = (k * win.y + j) * win.x + i
                weight[g] += 1
                for c in 0..<K { acc[c * V + g] += p[c * pv + l] }
            } } }
        } } }
        for c in 0..<K { for v in 0..<V { acc[c * V + v] /= Swift.max(weight[v], 1) } }
        return acc
    }

    func runNetwork(_ image: [Float], size: SIMD3<Int>) throws -> [Float] {
        let x = try FeatureMap(Tensor(shape: [1, 1, size.z, size.y, size.x], data: image))
        let logits = try model.network.forward(x, training: false).tensor()
        return Softmax().forward(logits, training: false).data
    }

    /// Native-grid labels by argmax of trilinearly interpolated class probabilities.
    func mapBack(_ probs: [Float], grid: SIMD3<Int>, geometry: Geometry, wantProbabilities: Bool) -> Output {
        let K = model.config.classes, scan = geometry.size
        let V = grid.x * grid.y * grid.z
        var labels = Volume<UInt8>(geometry: geometry)
        let nScan = geometry.voxelCount
        var probData = [Float](repeating: 0, count: wantProbabilities ? K * nScan : 0)
        probs.withUnsafeBufferPointer { pb in
          probData.withUnsafeMutableBufferPointer { pd in
            labels.data.withUnsafeMutableBufferPointer { lb in
                let lb = lb
                let pv: UnsafeMutablePointer<Float>? = pd.count > 0 ? pd.baseAddress : nil
                parallelFor(scan.z) { k in
                    var scores = [Float](repeating: 0, count: K)
                    for j in 0..<scan.y {
                        for i in 0..<scan.x {
                            // Network-grid position of this scan voxel (inverse of BoxSampler's map).
                            let m = (SIMD3<Double>(Double(i), Double(j), Double(k)) + 0.5) * SIMD3<Double>(grid) / SIMD3<Double>(scan) - 0.5
                            var best = 0
                            for c in 0..<K {
                                let channel = UnsafeBufferPointer(rebasing: pb[(c * V)..<((c + 1) * V)])
                                scores[c] = BoxSampler.trilinear(channel, grid, m, 0)
                                if scores[c] > scores[best] { best = c }
                            }
                            let v = (k * scan.y + j) * scan.x + i
                            lb[v] = UInt8(best)
                            if let pv { for c in 0..<K { pv[c * nScan + v] = scores[c] } }
                        }
                    }
                }
            }
          }
        }
        let probVolume = wantProbabilities ? try? Volume<Float>(geometry: geometry, components: K, data: probData) : nil
        return Output(labels: labels, probabilities: probVolume)
    }
}
