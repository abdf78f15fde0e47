/// How a dataset is encoded: byte order, VR explicitness, deflation, and the pixel codec.
public struct TransferSyntax: Equatable, Sendable, CustomStringConvertible {
    public enum Codec: Equatable, Sendable {
        case native, rle, jpegLossless, jpegBaseline, jpegExtended, jpegLS, jpeg2000, unknown
    }

    public let uid: String
    public let name: String
    public let explicitVR: Bool
    public let bigEndian: Bool
    public let deflated: Bool
    public let codec: Codec

    public var isEncapsulated: Bool { codec != .native }
    public var description: String { "\(name) (\(uid))" }

    public static let implicitLittle = TransferSyntax(uid: "1.2.840.10008.1.2", name: "Implicit VR Little Endian",
                                                      explicitVR: false, bigEndian: false, deflated: false, codec: .native)
    public static let explicitLittle = TransferSyntax(uid: "1.2.840.10008.1.2.1", name: "Explicit VR Little Endian",
                                                      explicitVR: true, bigEndian: false, deflated: false, codec: .native)
    public static let explicitBig = TransferSyntax(uid: "1.2.840.10008.1.2.2", name: "Explicit VR Big Endian",
                                                   explicitVR: true, bigEndian: true, deflated: false, codec: .native)
    public static let deflatedExplicitLittle = TransferSyntax(uid: "1.2.840.10008.1.2.1.99", name: "Deflated Explicit VR Little Endian",
                                                              explicitVR: true, bigEndian: false, deflated: true, codec: .native)
    public static let rleLossless = TransferSyntax(uid: "1.2.840.10008.1.2.5", name: "RLE Lossless",
                                                   explicitVR: true, bigEndian: false, deflated: false, codec: .rle)

    static func encapsulated(_ uid: String, _ name: String, _ codec: Codec) -> TransferSyntax {
        TransferSyntax(uid: uid, name: name, explicitVR: true, bigEndian: false, deflated: false, codec: codec)
    }

    public static let known: [TransferSyntax] = [
        implicitLittle, explicitLittle, explicitBig, deflatedExplicitLittle, rleLossless,
        encapsulated("1.2.840.10008.1.2.4.50", "JPEG Baseline (Process 1)", .jpegBaseline),
        encapsulated("1.2.840.10008.1.2.4.51", "JPEG Extended (Process 2 and 4)", .jpegExtended),
        encapsulated("1.2.840.10008.1.2.4.57", "JPEG Lossless, Non-Hierarchical (Process 14)", .jpegLossless),
        encapsulated("1.2.840.10008.1.2.4.70", "JPEG Lossless, Non-Hierarchical, First-Order Prediction (Process 14, Selection Value 1)", .jpegLossless),
        encapsulated("1.2.840.10008.1.2.4.80", "JPEG-LS Lossless", .jpegLS),
        encapsulated("1.2.840.10008.1.2.4.81", "JPEG-LS Near-Lossless", .jpegLS),
        encapsulated("1.2.840.10008.1.2.4.90", "JPEG 2000 (Lossless Only)", .jpeg2000),
        encapsulated("1.2.840.10008.1.2.4.91", "JPEG 2000", .jpeg2000),
        encapsulated("1.2.840.10008.1.2.4.92", "JPEG 2000 Part 2 Multi-component (Lossless Only)", .jpeg2000),
        encapsulated("1.2.840.10008.1.2.4.93", "JPEG 2000 Part 2 Multi-component", .jpeg2000),
        encapsulated("1.2.840.10008.1.2.4.201", "High-Throughput JPEG 2000 (Lossless Only)", .unknown),
        encapsulated("1.2.840.10008.1.2.4.202", "High-Throughput JPEG 2000 with RPCL (Lossless Only)", .unknown),
        encapsulated("1.2.840.10008.1.2.4.203", "High-Throughput JPEG 2000", .unknown),
        encapsulated("1.2.840.10008.1.2.4.100", "MPEG2 Main Profile / Main Level", .unknown),
        encapsulated("1.2.840.10008.1.2.4.101", "MPEG2 Main Profile / High Level", .unknown),
        encapsulated("1.2.840.10008.1.2.4.102", "MPEG-4 AVC/H.264 High Profile", .unknown),
        encapsulated("1.2.840.10008.1.2.4.103", "MPEG-4 AVC/H.264 BD-compatible High Profile", .unknown),
        encapsulated("1.2.840.10008.1.2.4.104", "MPEG-4 AVC/H.264 High Profile For 2D Video", .unknown),
        encapsulated("1.2.840.10008.1.2.4.105", "MPEG-4 AVC/H.264 High Profile For 3D Video", .unknown),
        encapsulated("1.2.840.10008.1.2.4.106", "MPEG-4 AVC/H.264 Stereo High Profile", .unknown),
        encapsulated("1.2.840.10008.1.2.4.107", "HEVC/H.265 Main Profile", .unknown),
        encapsulated("1.2.840.10008.1.2.4.108", "HEVC/H.265 Main 10 Profile", .unknown),
    ]

    /// Looks a UID up; an unknown UID is assumed to be an encapsulated explicit-VR little-endian syntax
    /// (every syntax defined after the original three is), so the header still parses, but its pixel
    /// data is refused by name rather than misread.
    public static func forUID(_ uid: String) -> TransferSyntax {
        if let t = known.first(where: { $0.uid == uid }) { return t }
        return TransferSyntax(uid: uid, name: "unknown transfer syntax", explicitVR: true, bigEndian: false,
                              deflated: false, codec: .unknown)
    }
}
