/// A 64-byte aligned, zeroed scratch buffer (reordered weights and activations, weight gradients in
/// oneDNN's layout).
///
/// The memory is reached only inside `withUnsafeBytes`, which keeps the buffer alive while oneDNN
/// reads or writes it through the raw pointer; a pointer taken from a stored property could outlive
/// the buffer's last Swift use, and the optimiser may free it there.
final class AlignedBuffer {
    let bytes: Int
    private let raw: UnsafeMutableRawPointer

    /// Throws `NeuralEngineError.outOfMemory` when the system refuses the memory.
    init(bytes: Int) throws {
        self.bytes = Swift.max(bytes, 64)
        guard let p = HostMemory.allocate(bytes: self.bytes) else {
            throw NeuralEngineError.outOfMemory("a \(self.bytes)-byte scratch buffer")
        }
        raw = p
        raw.initializeMemory(as: UInt8.self, repeating: 0, count: self.bytes)
    }

    deinit { HostMemory.deallocate(raw, bytes: bytes) }

    /// Runs `body` with the buffer's start; the pointer is valid only inside `body`.
    @inline(__always)
    func withUnsafeBytes<R>(_ body: (UnsafeMutableRawPointer) throws -> R) rethrows -> R {
        try withExtendedLifetime(self) { try body(raw) }
    }
}
