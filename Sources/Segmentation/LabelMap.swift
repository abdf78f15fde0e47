/// Integer class labels [N, D, H, W] (one class index per voxel), the training target.
public struct LabelMap: Equatable, Sendable {
    public var shape: [Int]
    public var data: [Int32]

    public init(shape: [Int], data: [Int32]) {
        precondition(shape.reduce(1, *) == data.count, "label data does not match shape \(shape)")
        self.shape = shape
        self.data = data
    }

    public var batch: Int { shape[0] }
    public var voxelsPerSample: Int { data.count / Swift.max(1, shape[0]) }
}
