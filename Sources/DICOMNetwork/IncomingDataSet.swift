/// A command with a data set whose PDVs are arriving (the SCP's state between the command and the
/// data set's last fragment). The bytes themselves are in the association's one data set buffer.
struct IncomingDataSet {
    let command: DIMSECommand
    let context: UInt8
    /// The answer when the command is refused whatever its data set (not a C-STORE, no UIDs, SOP class
    /// of another context): the data set is read and dropped, then this is sent.
    let refusal: StoreOutcome?
    /// The instance as its command announced it (its data set filled in at the end); nil when refused.
    let instance: ReceivedInstance?
    /// Where the bytes go while they arrive, when the storage opened one.
    var stream: (any DataSetStream)?
    /// Bytes of the buffer handed to `stream` so far.
    var streamed = 0
    /// Bytes of a data set over the instance limit, read and dropped.
    var dropped = 0
}

/// The bytes of the data set being received, reused from instance to instance: the array is kept at
/// the largest size needed so far and PDV data is read straight into it, with neither an append nor
/// zero-filling per PDV (zero-filling showed in profiles); `count` of it holds the current data set.
struct DataSetBuffer {
    private var bytes: [UInt8] = []
    private(set) var count = 0

    /// Reads the next `n` bytes from the connection onto the end.
    mutating func read(_ n: Int, from c: Connection) throws {
        if count + n > bytes.count {
            bytes.append(contentsOf: repeatElement(0, count: max(count + n, 2 * bytes.count) - bytes.count))
        }
        let start = count
        try bytes.withUnsafeMutableBytes { try c.read(into: UnsafeMutableRawBufferPointer(rebasing: $0[start..<start + n])) }
        count += n
    }

    /// The data set so far (shares the array: a caller that keeps it makes the next read copy).
    var contents: ArraySlice<UInt8> { bytes[0..<count] }

    /// Bytes `from...` of the data set so far.
    func withUnsafeBytes(from: Int, _ body: (UnsafeRawBufferPointer) -> Void) {
        bytes.withUnsafeBytes { body(UnsafeRawBufferPointer(rebasing: $0[from..<count])) }
    }

    /// Empties it for the next data set; the array is kept unless an unusually large instance grew it.
    mutating func reset() {
        count = 0
        if bytes.count > 64 << 20 { bytes = [] }
    }
}
