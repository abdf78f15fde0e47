/// What A-ASSOCIATE-RQ (PS3.8 9.3.2) and A-ASSOCIATE-AC (9.3.3) carry: the accept echoes the AE titles
/// and application context of the request and answers each of its presentation contexts, so both are
/// this one shape, told apart by their contexts (`AssociateRequest`, `AssociateAccept`).
public struct AssociationParameters<Context: Equatable & Sendable>: Equatable, Sendable {
    public var calledAE: String
    public var callingAE: String
    public var applicationContext: String = Implementation.dicomApplicationContext
    public var contexts: [Context]
    /// Largest P-DATA-TF PDU the sender of this PDU accepts (0: no limit).
    public var maxPDULength: UInt32
    public var implementationClassUID: String
    public var implementationVersion: String?

    /// The only application context name DICOM defines.
    public static var dicomApplicationContext: String { Implementation.dicomApplicationContext }

    public init(calledAE: String, callingAE: String, contexts: [Context], maxPDULength: UInt32,
                implementationClassUID: String = Implementation.classUID, implementationVersion: String? = Implementation.versionName) {
        self.calledAE = calledAE
        self.callingAE = callingAE
        self.contexts = contexts
        self.maxPDULength = maxPDULength
        self.implementationClassUID = implementationClassUID
        self.implementationVersion = implementationVersion
    }
}

/// A-ASSOCIATE-RQ contents: proposed presentation contexts.
public typealias AssociateRequest = AssociationParameters<ProposedContext>
/// A-ASSOCIATE-AC contents: the answer to each proposed context.
public typealias AssociateAccept = AssociationParameters<AcceptedContext>

/// A-ASSOCIATE-RJ (PS3.8 9.3.4): result 1 permanent / 2 transient; source 1 service user, 2 service
/// provider (ACSE), 3 service provider (presentation); the reason's meaning depends on the source.
public struct AssociateReject: Equatable, Sendable {
    public var result: UInt8
    public var source: UInt8
    public var reason: UInt8

    public init(result: UInt8, source: UInt8, reason: UInt8) {
        self.result = result
        self.source = source
        self.reason = reason
    }

    public static let calledAENotRecognized = AssociateReject(result: 1, source: 1, reason: 7)
    public static let applicationContextNotSupported = AssociateReject(result: 1, source: 1, reason: 2)
    public static let protocolVersionNotSupported = AssociateReject(result: 1, source: 2, reason: 2)
    /// Too many associations at once: transient, so the modality retries later.
    public static let localLimitExceeded = AssociateReject(result: 2, source: 3, reason: 2)
}

/// This implementation's identity in association negotiation.
public enum Implementation {
    /// Derived from the UUID-based root 2.25 so it needs no registered root.
    public static let classUID = "2.25.160791360813295011466916573917093286211"
    public static let versionName = "DEEPSTROKE_010"
    /// The only application context name DICOM defines (PS3.7 A.2.1).
    public static let dicomApplicationContext = "1.2.840.10008.3.1.1.1"
}
