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

/// Item types inside A-ASSOCIATE-RQ/AC (PS3.8 9.3.2 and Annex D): the first byte of every item.
enum ItemType: UInt8 {
    case applicationContext = 0x10
    case presentationContextRQ = 0x20, presentationContextAC = 0x21
    case abstractSyntax = 0x30, transferSyntax = 0x40
    case userInformation = 0x50
    case maximumLength = 0x51, implementationClassUID = 0x52, implementationVersionName = 0x55
}
