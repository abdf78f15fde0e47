/// Takes what a layer kept from its training-mode `forward` for `backward`, emptying the slot: one
/// backward belongs to one forward, and the activations it holds are freed as soon as they are used.
/// Every layer's backward starts here, so a backward without a forward fails the same way everywhere.
func takeSaved<T>(_ slot: inout T?, layer: String) throws -> T {
    guard let value = slot else {
        throw NeuralEngineError.invalidArgument("\(layer).backward without a training forward")
    }
    slot = nil
    return value
}
