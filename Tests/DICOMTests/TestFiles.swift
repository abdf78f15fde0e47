import DICOM
import Foundation

/// Builds small DICOM byte streams for parser and codec tests.
enum TestFiles {
    /// A minimal 16-bit greyscale image dataset (no pixel data yet).
    static func imageDataSet(rows: Int, columns: Int, bitsStored: Int = 16, signed: Bool = true, frames: Int = 1) -> DataSetWriter {
        var ds = DataSetWriter()
        ds.add(Tag.sopClassUID, .UI, "1.2.840.10008.5.1.4.1.1.2")
        ds.add(Tag.sopInstanceUID, .UI, "2.25.1")
        ds.add(Tag.modality, .CS, "CT")
        ds.add(Tag.studyInstanceUID, .UI, "2.25.2")
        ds.add(Tag.seriesInstanceUID, .UI, "2.25.3")
        ds.addUS(Tag.samplesPerPixel, [1])
        ds.add(Tag.photometricInterpretation, .CS, "MONOCHROME2")
        if frames > 1 { ds.add(Tag.numberOfFrames, .IS, String(frames)) }
        ds.addUS(Tag.rows, [rows])
        ds.addUS(Tag.columns, [columns])
        ds.addUS(Tag.bitsAllocated, [16])
        ds.addUS(Tag.bitsStored, [bitsStored])
        ds.addUS(Tag.highBit, [bitsStored - 1])
        ds.addUS(Tag.pixelRepresentation, [signed ? 1 : 0])
        return ds
    }

    static func file(_ ds: DataSetWriter, syntax: TransferSyntax = .explicitLittle) -> [UInt8] {
        DataSetWriter.part10(dataSet: ds, sopClassUID: "1.2.840.10008.5.1.4.1.1.2", sopInstanceUID: "2.25.1", syntax: syntax)
    }

    static func parse(_ bytes: [UInt8], lazy: Bool = false) throws -> DICOMFile {
        try DICOMFile.parse(ByteStore(copying: bytes), name: "test.dcm", stopAtPixelData: lazy)
    }

    static func le16(_ v: Int) -> [UInt8] { [UInt8(v & 0xFF), UInt8((v >> 8) & 0xFF)] }
    static func le32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8((v >> (8 * UInt32($0))) & 0xFF) } }

    /// Raw explicit-VR-LE element bytes (for hand-made corrupt streams).
    static func element(_ g: Int, _ e: Int, _ vr: String, length: UInt32, value: [UInt8] = []) -> [UInt8] {
        var b = le16(g) + le16(e) + Array(vr.utf8)
        if ["OB", "OW", "SQ", "UN", "UT", "OF"].contains(vr) { b += [0, 0] + le32(length) } else { b += le16(Int(length)) }
        return b + value
    }

    static let preambleAndMeta: [UInt8] = {
        // Meta group for Explicit VR LE, built with the writer, then the dataset is appended raw.
        var ds = DataSetWriter()
        ds.add(Tag.modality, .CS, "CT")
        let full = file(ds)
        return Array(full[0..<(full.count - 10)])   // drop the 10-byte (0008,0060) element the writer appended
    }()
}
