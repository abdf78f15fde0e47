/// Where a C-STORE data set goes while its PDVs are still arriving. The SCP opens one per data set
/// (`StorageSCP`'s `open`), hands it the bytes in chunks as they come, and passes it back in the
/// `ReceivedInstance` of the store callback: the node writes the file while the sender is still
/// sending, so only the last chunk and the rename are left when the data set is complete (DCMTK's
/// `storescu` waits for each answer before it sends the next image: time after the last PDV is time
/// the link stands idle). The whole data set is still handed to the callback in memory, so checking it
/// is unchanged.
public protocol DataSetStream: AnyObject, Sendable {
    /// The next bytes of the data set, in order. Errors are kept for the store callback to answer with.
    func append(_ bytes: UnsafeRawBufferPointer)
    /// The data set will not be stored (over the instance limit, refused, association ended): undo.
    func cancel()
}
