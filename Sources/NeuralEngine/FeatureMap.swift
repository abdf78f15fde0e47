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
    /// The buffer, reached only through `withUnsafeData` so that no pointer outlives the map: a pointer
    /// read from a stored property may be used after the optimiser has released the last reference.
    private let storage: UnsafeMutablePointer<Float>

    public var spatial: Int { d * h * w }
    public var blocks: Int { (c + 7) / 8 }
    public var paddedChannels: Int { blocks * 8 }
    /// Floats in the buffer, padding included.
    public var count: Int { n * blocks * spatial * 8 }
    public var dims: [Int] { [n, c, d, h, w] }

    /// Allocates an uninitialised map (padding lanes included); `zeroed` clears it. Throws
    /// `NeuralEngineError.outOfMemory` when the system refuses the memory (a volume too large for this
    /// machine is a user's problem to report, not a crash).
    public init(n: Int, c: Int, d: Int, h: Int, w: Int, zeroed: Bool = false) throws {
        guard n > 0 && c > 0 && d > 0 && h > 0 && w > 0 else {
            throw NeuralEngineError.shapeMismatch("feature map dims must be positive, got \([n, c, d, h, w])")
        }
        self.n = n; self.c = c; self.d = d; self.h = h; self.w = w
        let (blockElements, o1) = ((c + 7) / 8 * 8).multipliedReportingOverflow(by: d * h * w)
        let (total, o2) = blockElements.multipliedReportingOverflow(by: n)
        let (bytes, o3) = total.multipliedReportingOverflow(by: MemoryLayout<Float>.stride)
        guard !o1, !o2, !o3, let raw = HostMemory.allocate(bytes: bytes) else {
            throw NeuralEngineError.outOfMemory("a \([n, c, d, h, w]) feature map (\(o1 || o2 || o3 ? "more than Int.max" : "\(bytes)") bytes)")
        }
        storage = raw.bindMemory(to: Float.self, capacity: total)
        if zeroed { storage.initialize(repeating: 0, count: total) }
    }

    public convenience init(like other: FeatureMap, channels: Int? = nil, zeroed: Bool = false) throws {
        try self.init(n: other.n, c: channels ?? other.c, d: other.d, h: other.h, w: other.w, zeroed: zeroed)
    }

    deinit { HostMemory.deallocate(UnsafeMutableRawPointer(storage), bytes: count * MemoryLayout<Float>.stride) }

    /// Runs `body` with the map's buffer (`count` floats, padding lanes included). The pointer is valid
    /// only inside `body`: the map is kept alive until it returns.
    @inline(__always)
    public func withUnsafeData<R>(_ body: (UnsafeMutablePointer<Float>) throws -> R) rethrows -> R {
        try withExtendedLifetime(self) { try body(storage) }
    }

    /// Runs `body` with the buffers of `maps`, in order, all kept alive until it returns: for kernels
    /// that read and write several maps at once without nesting one closure per map.
    @inline(__always)
    public static func withUnsafeData<R>(_ maps: [FeatureMap], _ body: ([UnsafeMutablePointer<Float>]) throws -> R) rethrows -> R {
        try withExtendedLifetime(maps) { try body(maps.map { $0.storage }) }
    }

    /// Converts from a plain NCDHW tensor.
    public convenience init(_ t: Tensor) throws {
        guard t.shape.count == 5 else {
            throw NeuralEngineError.shapeMismatch("a feature map needs a 5-D NCDHW tensor, got shape \(t.shape)")
        }
        try self.init(n: t.shape[0], c: t.shape[1], d: t.shape[2], h: t.shape[3], w: t.shape[4], zeroed: true)
        let S = spatial, C = c, B = blocks
        withUnsafeData { dst in
            t.data.withUnsafeBufferPointer { src in
                parallelFor(n * C) { nc in
                    let nn = nc / C, ch = nc % C
                    let out = dst + ((nn * B + ch / 8) * S) * 8 + ch % 8
                    let inp = src.baseAddress! + nc * S
                    for s in 0..<S { out[s * 8] = inp[s] }
                }
            }
        }
    }

    /// Converts to a plain NCDHW tensor (padding dropped).
    public func tensor() -> Tensor {
        var t = Tensor(shape: dims)
        let S = spatial, C = c, B = blocks
        withUnsafeData { src in
            t.data.withUnsafeMutableBufferPointer { dst in
                let base = dst.baseAddress!
                parallelFor(n * C) { nc in
                    let nn = nc / C, ch = nc % C
                    let inp = src + ((nn * B + ch / 8) * S) * 8 + ch % 8
                    let out = base + nc * S
                    for s in 0..<S { out[s] = inp[s * 8] }
                }
            }
        }
        return t
    }

    /// Offset (in floats) of block `cb` of sample `nn` in the buffer: `spatial` vectors of 8 lanes.
    @inline(__always)
    public func blockOffset(_ nn: Int, _ cb: Int) -> Int { ((nn * blocks + cb) * spatial) * 8 }

    /// Channel count of block `cb` that are real (the rest are padding).
    @inline(__always)
    public func realLanes(_ cb: Int) -> Int { Swift.min(8, c - cb * 8) }

    public func copy() throws -> FeatureMap {
        let m = try FeatureMap(like: self)
        FeatureMap.withUnsafeData([m, self]) { p in p[0].update(from: p[1], count: count) }
        return m
    }

    /// Clears the padding lanes of the last block (after an op that may have written them).
    public func zeroPadding() {
        let real = realLanes(blocks - 1)
        if real == 8 { return }
        withUnsafeData { data in
            for nn in 0..<n {
                let p = data + blockOffset(nn, blocks - 1)
                for s in 0..<spatial { for l in real..<8 { p[s * 8 + l] = 0 } }
            }
        }
    }

    public func sameShape(_ o: FeatureMap) -> Bool { n == o.n && c == o.c && d == o.d && h == o.h && w == o.w }
}
