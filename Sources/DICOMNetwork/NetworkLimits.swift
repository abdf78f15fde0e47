/// Limits that keep a hostile or broken peer from exhausting memory, threads or disk. Passed in by the
/// caller (the node's configuration); nothing here is process-wide.
public struct NetworkLimits: Sendable, Equatable {
    /// Largest P-DATA-TF PDU accepted, and the maximum length announced in A-ASSOCIATE-AC.
    public var maxPDULength: UInt32 = 1 << 20
    /// Largest A-ASSOCIATE-RQ/AC accepted (a real one is a few kilobytes even with 128 contexts).
    public var maxAssociateLength: UInt32 = 1 << 16
    /// Largest data set of one C-STORE; a larger one is read and dropped, and refused with a status.
    public var maxInstanceBytes: Int = 1 << 30
    /// Seconds without a byte from the peer (or without the peer taking a byte) before the
    /// association is dropped; also the ARTIM wait for the A-ASSOCIATE-RQ.
    public var idleTimeout: Double = 60
    /// Associations served at once; more are rejected (transient, local limit exceeded).
    public var maxAssociations: Int = 16

    public init() {}
}
