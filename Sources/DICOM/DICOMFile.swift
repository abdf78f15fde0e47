import Foundation

/// One parsed DICOM file (Part 10 with or without preamble, or a bare dataset without meta header).
public struct DICOMFile: Sendable {
    /// Path used in messages.
    public let name: String
    /// File meta information (group 0002), empty when the file has none.
    public let meta: DataSet?
    public let dataSet: DataSet
    public let transferSyntax: TransferSyntax
    public let hasPreamble: Bool
    /// True when parsing stopped at top-level Pixel Data (its fragments are not indexed).
    public let isPartial: Bool
    public let warnings: [String]
    /// The size limits it was parsed under; its pixel data is decoded under the same ones.
    public var limits: DICOMLimits = .standard

    /// Reads a file. With `stopAtPixelData` only the header is walked: Pixel Data's position and
    /// length are recorded (and checked against the file size) but its bytes are never touched.
    public static func read(_ url: URL, stopAtPixelData: Bool = false, limits: DICOMLimits = .standard) throws -> DICOMFile {
        let store = try ByteStore.map(url)
        return try parse(store, name: url.path, stopAtPixelData: stopAtPixelData, limits: limits)
    }

    public static func parse(_ store: ByteStore, name: String, stopAtPixelData: Bool = false,
                             limits: DICOMLimits = .standard) throws -> DICOMFile {
        var parser = DataSetParser(store: store, file: name, stopAtPixelData: stopAtPixelData)
        let n = store.count
        var metaStart: Int? = nil
        var hasPreamble = false
        if n >= 132, store.u8(128) == 0x44, store.u8(129) == 0x49, store.u8(130) == 0x43, store.u8(131) == 0x4D {
            metaStart = 132
            hasPreamble = true
        } else if n >= 4, store.u8(0) == 0x44, store.u8(1) == 0x49, store.u8(2) == 0x43, store.u8(3) == 0x4D {
            metaStart = 4
        }
        var meta: DataSet? = nil
        var datasetStart = 0
        var ts: TransferSyntax
        var warnings: [String] = []
        if let ms = metaStart {
            let metaExplicit = n >= ms + 6 && VR(bytes: store.u8(ms + 4), store.u8(ms + 5)) != nil
            let (m, next) = try parser.parseDataSet(start: ms, end: n, explicit: metaExplicit, bigEndian: false, depth: 0,
                                                    stopBefore: { $0.group != 0x0002 })
            meta = m
            datasetStart = next
            if let uid = m.string(Tag.transferSyntaxUID), !uid.isEmpty {
                ts = TransferSyntax.forUID(uid)
            } else {
                ts = try guessSyntax(store, at: datasetStart, name: name)
                warnings.append("file meta has no Transfer Syntax UID; the dataset looks like \(ts.name)")
            }
        } else {
            guard n >= 8 else { throw DICOMError.malformed(file: name, problem: "only \(n) bytes: not a DICOM file") }
            let group = store.u16(0, bigEndian: false)
            guard [0x0000, 0x0002, 0x0004, 0x0008, 0x0010, 0x0018, 0x0020, 0x0028].contains(group) else {
                throw DICOMError.malformed(file: name, problem: "no DICM marker and the first bytes are not a DICOM element: not a DICOM file")
            }
            ts = try guessSyntax(store, at: 0, name: name)
            warnings.append("no preamble or file meta header; the dataset looks like \(ts.name)")
        }
        var dataStore = store
        var start = datasetStart
        if ts.deflated {
            dataStore = try Inflate.raw(store.slice(datasetStart..<n), file: name, maxOutputBytes: limits.maxInflatedBytes)
            start = 0
            parser = DataSetParser(store: dataStore, file: name, stopAtPixelData: stopAtPixelData)
        }
        let (ds, _) = try parser.parseDataSet(start: start, end: dataStore.count, explicit: ts.explicitVR,
                                              bigEndian: ts.bigEndian, depth: 0)
        return DICOMFile(name: name, meta: meta, dataSet: ds, transferSyntax: ts, hasPreamble: hasPreamble,
                         isPartial: stopAtPixelData, warnings: warnings + parser.warnings, limits: limits)
    }

    /// Parses a bare data set the caller holds in memory (one received over the network), in a known
    /// transfer syntax, without copying it: `body` sees a `DICOMFile` that borrows `bytes` and must not
    /// keep it (or any `DataSet` of it) after returning; values read from it (strings, numbers) are copies.
    public static func withDataSet<R>(in bytes: UnsafeRawBufferPointer, transferSyntaxUID: String, name: String,
                                      stopAtPixelData: Bool = false, limits: DICOMLimits = .standard,
                                      _ body: (DICOMFile) throws -> R) throws -> R {
        let ts = TransferSyntax.forUID(transferSyntaxUID)
        var store = ByteStore(borrowing: bytes)
        if ts.deflated {
            store = try Inflate.raw(bytes, file: name, maxOutputBytes: limits.maxInflatedBytes)
        }
        var parser = DataSetParser(store: store, file: name, stopAtPixelData: stopAtPixelData)
        let (ds, _) = try parser.parseDataSet(start: 0, end: store.count, explicit: ts.explicitVR, bigEndian: ts.bigEndian, depth: 0)
        let file = DICOMFile(name: name, meta: nil, dataSet: ds, transferSyntax: ts, hasPreamble: false,
                             isPartial: stopAtPixelData, warnings: parser.warnings, limits: limits)
        return try body(file)
    }

    /// Tells Explicit from Implicit VR Little Endian by whether bytes 4-5 of the first element spell a VR.
    static func guessSyntax(_ store: ByteStore, at p: Int, name: String) throws -> TransferSyntax {
        guard store.count >= p + 8 else { return .implicitLittle }
        if VR(bytes: store.u8(p + 4), store.u8(p + 5)) != nil {
            // A big-endian stream has its group bytes swapped: (0008,xxxx) reads as 0x0800.
            return store.u16(p, bigEndian: false) >= 0x0100 && store.u16(p, bigEndian: true) < 0x0100 ? .explicitBig : .explicitLittle
        }
        return .implicitLittle
    }
}
