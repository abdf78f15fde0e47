import Foundation
import ImageCore

/// An activation tensor [N, C, D, H, W] stored in oneDNN's blocked layout `nCdhw8c`.
///
/// Channels are grouped in blocks of 8 that sit innermost, so one AVX2 register holds the 8 channels
/// of one voxel: per-channel work (normalisation, bias, PReLU) becomes plain vector arithmetic and
/// oneDNN's fast convolution kernels read and write this layout directly, with no reorder between
/// layers. When C is not a multiple of 8 the last block is padded; the padding lanes are always zero
/// (every op keeps them so), which oneDNN requires and which makes reductions over lanes safe.
///
/// Element (n, c, s) with s the flat spatial index (w fastest) is at
/// `((n * blocks + c / 8) * spatial + s) * 8 + c % 8`.
public final class FeatureMap {
    public static let lanes = 8
    public let n: Int, c: Int, d: Int, h: Int, w: Int
    public let data: UnsafeMutablePointer<Float>

    public var spatial: Int { d * h * w }
    public var blocks: Int { (c + 7) / 8 }
    public var paddedChannels: Int { blocks * 8 }
    /// Floats in the buffer, padding included.
    public var count: Int { n * blocks * spatial * 8 }
    public var dims: [Int] { [n, c, d, h, w] }

    /// Allocates an uninitialised map (padding lanes included); `zeroed` clears it.
    public init(n: Int, c: Int, d: Int, h: Int, w: Int, zeroed: Bool = false) {
        precondition(n > 0 && c > 0 && d > 0 && h > 0 && w > 0, "FeatureMap dims must be positive: \([n, c, d, h, w])")
        self.n = n; self.c = c; self.d = d; self.h = h; self.w = w
        let total = n * ((c + 7) / 8) * d * h * w * 8
        let raw = HostMemory.allocate(bytes: total * MemoryLayout<Float>.stride)
        precondition(raw != nil, "out of memory allocating a \([n, c, d, h, w]) feature map")
        data = raw!.bindMemory(to: Float.self, capacity: total)
        if zeroed { data.initialize(repeating: 0, count: total) }
    }

    public convenience init(like other: FeatureMap, channels: Int? = nil, zeroed: Bool = false) {
        self.init(n: other.n, c: channels ?? other.c, d: other.d, h: other.h, w: other.w, zeroed: zeroed)
    }

    deinit { HostMemory.deallocate(UnsafeMutableRawPointer(data), bytes: count * MemoryLayout<Float>.stride) }

    /// Converts from a plain NCDHW tensor.
    public convenience init(_ t: Tensor) {
        precondition(t.shape.count == 5, "FeatureMap needs a 5-D NCDHW tensor, got shape \(t.shape)")
        self.init(n: t.shape[0], c: t.shape[1], d: t.shape[2], h: t.shape[3], w: t.shape[4], zeroed: true)
        let S = spatial, C = c, B = blocks, dst = data
        t.data.withUnsafeBufferPointer { src in
            parallelFor(n * C) { nc in
                let nn = nc / C, ch = nc % C
                let out = dst + ((nn * B + ch / 8) * S) * 8 + ch % 8
                let inp = src.baseAddress! + nc * S
                for s in 0..<S { out[s * 8] = inp[s] }
            }
        }
    }

    /// Converts to a plain NCDHW tensor (padding dropped).
    public func tensor() -> Tensor {
        var t = Tensor(shape: dims)
        let S = spatial, C = c, B = blocks, src = data
        t.data.withUnsafeMutableBufferPointer { dst in
            let base = dst.baseAddress!
            parallelFor(n * C) { nc in
                let nn = nc / C, ch = nc % C
                let inp = src + ((nn * B + ch / 8) * S) * 8 + ch % 8
                let out = base + nc * S
                for s in 0..<S { out[s] = inp[s * 8] }
            }
        }
        return t
    }

    /// Start of block `cb` of sample `nn`: `spatial` vectors of 8 lanes.
    @inline(__always)
    public func block(_ nn: Int, _ cb: Int) -> UnsafeMutablePointer<Float> {
        data + ((nn * blocks + cb) * spatial) * 8
    }

    /// Channel count of block `cb` that are real (the rest are padding).
    @inline(__always)
    public func realLanes(_ cb: Int) -> Int { Swift.min(8, c - cb * 8) }

    public func copy() -> FeatureMap {
        let m = FeatureMap(like: self)
        m.data.update(from: data, count: count)
        return m
    }

    /// Clears the padding lanes of the last block (after an op that may have written them).
    public func zeroPadding() {
        let real = realLanes(blocks - 1)
        if real == 8 { return }
        for nn in 0..<n {
            let p = block(nn, blocks - 1)
            for s in 0..<spatial { for l in real..<8 { p[s * 8 + l] = 0 } }
        }
    }

    public func sameShape(_ o: FeatureMap) -> Bool { n == o.n && c == o.c && d == o.d && h == o.h && w == o.w }
}
