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
