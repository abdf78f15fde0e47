import ImageCore

/// Reverses the byte order of every `scalarSize`-byte element in place (big-endian files), in parallel.
func swapByteOrder(_ buffer: UnsafeMutableRawBufferPointer, scalarSize: Int) {
    let count = buffer.count / max(scalarSize, 1)
    guard let base = buffer.baseAddress, count > 0 else { return }
    func run<U: FixedWidthInteger>(_: U.Type) {
        let p = base.bindMemory(to: U.self, capacity: count)
        parallelChunks(count, minChunk: 1 << 16) { range in
            for n in range { p[n] = p[n].byteSwapped }
        }
    }
    switch scalarSize {
    case 2: run(UInt16.self)
    case 4: run(UInt32.self)
    case 8: run(UInt64.self)
    default: break  // single bytes have no order
    }
}

/// True on every platform Swift targets today; checked so a big-endian port fails loudly, not silently.
var hostIsLittleEndian: Bool { 1.littleEndian == 1 }
