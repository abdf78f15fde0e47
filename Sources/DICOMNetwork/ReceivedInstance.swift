/// One data set received by C-STORE, handed to the storage callback before the response is sent:
/// the callback's answer is the status the modality sees, so "success" means "on disk and indexed".
public struct ReceivedInstance: Sendable {
    public var sopClassUID: String
    public var sopInstanceUID: String
    public var transferSyntaxUID: String
    public var callingAE: String
    /// host:port of the sender.
    public var peer: String
    /// The data set exactly as received, in `transferSyntaxUID`.
    public var dataSet: ArraySlice<UInt8>
    /// The stream `StorageSCP`'s `open` returned for this data set, already given all of `dataSet`;
    /// nil when none was opened (then the callback has only `dataSet`).
    public var stream: (any DataSetStream)? = nil
}

/// The status (and optional error comment) of a C-STORE response.
public struct StoreOutcome: Sendable, Equatable {
    public var status: UInt16
    public var comment: String?

    public init(status: UInt16, comment: String? = nil) {
        self.status = status
        self.comment = comment
    }

    public static let success = StoreOutcome(status: DIMSEStatus.success)
}
