/// A plain, contiguous Float32 tensor in row-major (C) order: the layout PyTorch and safetensors use.
///
/// Parameters, optimizer state, losses and the network's inputs and outputs are `Tensor`s. Activations
/// inside the network live in `FeatureMap`'s blocked layout instead; the two convert at the boundary.
public struct Tensor: Equatable, Sendable {
    public var shape: [Int]
    public var data: [Float]

    public init(shape: [Int], data: [Float]) {
        precondition(shape.reduce(1, *) == data.count, "tensor data (\(data.count)) does not match shape \(shape)")
        self.shape = shape
        self.data = data
    }

    public init(shape: [Int], repeating value: Float = 0) {
        self.shape = shape
        self.data = [Float](repeating: value, count: shape.reduce(1, *))
    }

    public var count: Int { data.count }

    /// Largest absolute element-wise difference (for tests and parity reports).
    public func maxAbsDifference(_ other: Tensor) -> Float {
        precondition(shape == other.shape, "shapes \(shape) and \(other.shape) differ")
        var m: Float = 0
        for i in 0..<data.count { m = Swift.max(m, abs(data[i] - other.data[i])) }
        return m
    }

    /// Euclidean norm accumulated in Float64.
    public var l2Norm: Double {
        var s = 0.0
        for v in data { s += Double(v) * Double(v) }
        return s.squareRoot()
    }
}
