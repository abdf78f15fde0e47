/// A learnable tensor with its gradient. Layers own their parameters; optimizers and the safetensors
/// code reach them through `StateDict`, by PyTorch state_dict name.
public final class Parameter {
    public var value: Tensor
    /// Accumulated gradient, same shape as `value`; `zeroGrad()` clears it before each step.
    public var grad: Tensor
    /// False for buffers such as BatchNorm running statistics (saved, never optimised).
    public let requiresGrad: Bool

    public init(_ value: Tensor, requiresGrad: Bool = true) {
        self.value = value
        self.grad = Tensor(shape: value.shape)
        self.requiresGrad = requiresGrad
    }

    public var shape: [Int] { value.shape }

    public func zeroGrad() {
        for i in 0..<grad.data.count { grad.data[i] = 0 }
    }
}

/// An integer buffer (BatchNorm's `num_batches_tracked`), kept as Int64 so files round-trip exactly.
public final class CounterBuffer {
    public var value: Int64
    public init(_ value: Int64 = 0) { self.value = value }
}

/// One entry of a model's state: a float tensor (parameter or buffer) or an integer counter.
public enum StateItem {
    case tensor(Parameter)
    case counter(CounterBuffer)
}

/// Anything with named state, listed in PyTorch's state_dict order with PyTorch's names.
public protocol StateProvider: AnyObject {
    func stateItems() -> [(String, StateItem)]
}

extension StateProvider {
    /// Trainable parameters in state order.
    public func parameters() -> [(String, Parameter)] {
        stateItems().compactMap { name, item in
            if case .tensor(let p) = item, p.requiresGrad { return (name, p) }
            return nil
        }
    }

    public func zeroGrad() { for (_, p) in parameters() { p.zeroGrad() } }

    public var parameterCount: Int { parameters().reduce(0) { $0 + $1.1.value.count } }
}

/// Prefixes every name of a child's state ("conv1" + "weight" -> "conv1.weight").
public func prefixed(_ prefix: String, _ items: [(String, StateItem)]) -> [(String, StateItem)] {
    items.map { (prefix + "." + $0.0, $0.1) }
}
