/// The seven PDU types of the DICOM Upper Layer (PS3.8 section 9.3): the first byte of every PDU.
public enum PDUType: UInt8, Sendable {
    case associateRQ = 0x01
    case associateAC = 0x02
    case associateRJ = 0x03
    case dataTF = 0x04
    case releaseRQ = 0x05
    case releaseRP = 0x06
    case abort = 0x07
}

/// Item types inside A-ASSOCIATE-RQ/AC (PS3.8 9.3.2 and Annex D).
enum ItemType {
    static let applicationContext: UInt8 = 0x10
    static let presentationContextRQ: UInt8 = 0x20
    static let presentationContextAC: UInt8 = 0x21
    static let abstractSyntax: UInt8 = 0x30
    static let transferSyntax: UInt8 = 0x40
    static let userInformation: UInt8 = 0x50
    static let maximumLength: UInt8 = 0x51
    static let implementationClassUID: UInt8 = 0x52
    static let implementationVersionName: UInt8 = 0x55
}
