/// DICOM value representations. Only what the parser must know is modelled: the header layout
/// (short or long length) and whether the value is text, binary numbers or a sequence.
public enum VR: String, Sendable, CaseIterable {
    case AE, AS, AT, CS, DA, DS, DT, FL, FD, IS, LO, LT, OB, OD, OF, OL, OV, OW, PN, SH, SL, SQ, SS, ST, SV, TM, UC, UI, UL, UN, UR, US, UT, UV

    /// Explicit-VR headers of these carry 2 reserved bytes and a 32-bit length.
    public var hasLongLength: Bool {
        switch self {
        case .OB, .OD, .OF, .OL, .OV, .OW, .SQ, .UC, .UR, .UT, .UN, .SV, .UV: return true
        default: return false
        }
    }

    /// Character values (trimmed and split on backslashes when read).
    public var isText: Bool {
        switch self {
        case .AE, .AS, .CS, .DA, .DS, .DT, .IS, .LO, .LT, .PN, .SH, .ST, .TM, .UC, .UI, .UR, .UT: return true
        default: return false
        }
    }

    /// Bytes per value for binary numeric VRs (the unit that is byte-swapped in big endian).
    public var binaryWidth: Int? {
        switch self {
        case .US, .SS, .OW, .AT: return 2
        case .UL, .SL, .FL, .OF, .OL: return 4
        case .FD, .OD, .SV, .UV, .OV: return 8
        default: return nil
        }
    }

    init?(bytes b0: UInt8, _ b1: UInt8) {
        guard b0 >= 0x41, b0 <= 0x5A, b1 >= 0x41, b1 <= 0x5A else { return nil }
        self.init(rawValue: String(decoding: [b0, b1], as: UTF8.self))
    }
}
