import DICOM
import Foundation
import XCTest

/// Malformed input must give a DICOMError naming the problem, never a crash, hang or huge allocation.
final class ParserEdgeTests: XCTestCase {
    func testRoundTripOfWrittenElements() throws {
        var ds = TestFiles.imageDataSet(rows: 2, columns: 3)
        ds.add(Tag.imagePositionPatient, .DS, numbers: [-12.5, 3.25, 100])
        ds.add(Tag.pixelData, .OW, bytes: [UInt8](repeating: 1, count: 12))
        for syntax in [TransferSyntax.explicitLittle, .implicitLittle] {
            let f = try TestFiles.parse(TestFiles.file(ds, syntax: syntax))
            XCTAssertEqual(f.transferSyntax, syntax)
            XCTAssertEqual(f.dataSet.int(Tag.rows), 2)
            XCTAssertEqual(f.dataSet.doubles(Tag.imagePositionPatient), [-12.5, 3.25, 100])
            XCTAssertEqual(f.dataSet.string(Tag.modality), "CT")
        }
    }

    func testFileWithoutPreambleOrMetaIsRecognised() throws {
        var ds = TestFiles.imageDataSet(rows: 1, columns: 1)
        ds.add(Tag.pixelData, .OW, bytes: [5, 0])
        let implicit = ds.encode(explicit: false)
        let f = try TestFiles.parse(implicit)
        XCTAssertEqual(f.transferSyntax, .implicitLittle)
        XCTAssertFalse(f.hasPreamble)
        XCTAssertEqual(try PixelDataReader(file: f).frame(0), [5])
        let explicit = try TestFiles.parse(ds.encode(explicit: true))
        XCTAssertEqual(explicit.transferSyntax, .explicitLittle)
        // "DICM" at offset 0, no preamble.
        let withMarker = Array(TestFiles.file(ds).dropFirst(128))
        XCTAssertEqual(try TestFiles.parse(withMarker).dataSet.int(Tag.columns), 1)
    }

    func testNonDICOMBytesAreRejected() {
        for junk in [[UInt8](), [1, 2, 3], Array("hello world, this is not DICOM at all".utf8)] {
            XCTAssertThrowsError(try TestFiles.parse(junk)) { e in
                XCTAssertTrue(e is DICOMError, "\(e)")
                XCTAssertTrue("\(e)".contains("test.dcm"))
            }
        }
    }

    func testEveryTruncationFailsCleanlyOrParses() throws {
        var ds = TestFiles.imageDataSet(rows: 4, columns: 4)
        var item = DataSetWriter()
        item.add(Tag.seriesDescription, .LO, "nested")
        ds.addSequence(DICOMTag(0x0008, 0x1140), items: [item, item])
        ds.add(Tag.pixelData, .OW, bytes: [UInt8](repeating: 7, count: 32))
        let full = TestFiles.file(ds)
        var failures = 0
        for cut in 0..<full.count {
            let prefix = Array(full[0..<cut])
            for lazy in [false, true] {
                do { _ = try TestFiles.parse(prefix, lazy: lazy) } catch let e as DICOMError {
                    failures += 1
                    XCTAssertFalse(e.description.isEmpty)
                } catch { XCTFail("non-DICOMError \(error)") }
            }
        }
        XCTAssertGreaterThan(failures, full.count)   // most cuts are errors, and none crashed
        let cutPixels = Array(full[0..<(full.count - 10)])
        XCTAssertThrowsError(try TestFiles.parse(cutPixels)) { e in
            XCTAssertTrue("\(e)".contains("claims 32 bytes but only 22 remain"), "\(e)")
        }
    }

    func testLengthsPastTheEndAndAbsurdSizes() {
        let base = TestFiles.preambleAndMeta
        let cases: [([UInt8], String)] = [
            (base + TestFiles.element(0x0008, 0x0060, "CS", length: 200, value: Array("CT".utf8)), "claims 200 bytes"),
            (base + TestFiles.element(0x0009, 0x1010, "OB", length: 0xFFFF_FFF0), "claims 4294967280 bytes"),
            (base + TestFiles.element(0x0009, 0x1010, "OB", length: 0xFFFF_FFFF), "undefined length"),
            (base + TestFiles.element(0x0008, 0x0060, "Q!", length: 2, value: [0, 0]), "invalid VR"),
            (base + TestFiles.element(0x0008, 0x1140, "SQ", length: 0xFFFF_FFFF), "no Sequence Delimitation"),
            (base + TestFiles.element(0x0008, 0x1140, "SQ", length: 8) + TestFiles.le16(0x0008) + TestFiles.le16(0x0060) + [0, 0, 0, 0], "expected an item"),
        ]
        for (bytes, words) in cases {
            XCTAssertThrowsError(try TestFiles.parse(bytes)) { e in
                XCTAssertTrue("\(e)".contains(words), "\(e) should mention \(words)")
            }
        }
    }

    func testDeepNestingIsRejected() {
        // 40 nested undefined-length sequences, each in an undefined-length item.
        var bytes = TestFiles.preambleAndMeta
        for _ in 0..<40 {
            bytes += TestFiles.element(0x0008, 0x1140, "SQ", length: 0xFFFF_FFFF)
            bytes += TestFiles.le16(0xFFFE) + TestFiles.le16(0xE000) + TestFiles.le32(0xFFFF_FFFF)
        }
        XCTAssertThrowsError(try TestFiles.parse(bytes)) { e in
            XCTAssertTrue("\(e)".contains("nested deeper than"), "\(e)")
        }
    }

    func testPrivateTagsAreSkippedSafely() throws {
        var bytes = TestFiles.preambleAndMeta
        bytes += TestFiles.element(0x0008, 0x0060, "CS", length: 2, value: Array("CT".utf8))
        // Private creator, a private UN blob and a private undefined-length UN sequence (implicit inside).
        bytes += TestFiles.element(0x0009, 0x0010, "LO", length: 6, value: Array("VENDOR".utf8))
        bytes += TestFiles.element(0x0009, 0x1001, "UN", length: 4, value: [1, 2, 3, 4])
        bytes += TestFiles.element(0x0009, 0x1002, "UN", length: 0xFFFF_FFFF)
        bytes += TestFiles.le16(0xFFFE) + TestFiles.le16(0xE000) + TestFiles.le32(0xFFFF_FFFF)
        bytes += TestFiles.le16(0x0009) + TestFiles.le16(0x1003) + TestFiles.le32(2) + [9, 9]
        bytes += TestFiles.le16(0xFFFE) + TestFiles.le16(0xE00D) + TestFiles.le32(0)
        bytes += TestFiles.le16(0xFFFE) + TestFiles.le16(0xE0DD) + TestFiles.le32(0)
        bytes += TestFiles.element(0x0020, 0x0013, "IS", length: 2, value: Array("7 ".utf8))
        let f = try TestFiles.parse(bytes)
        XCTAssertEqual(f.dataSet.int(Tag.instanceNumber), 7)
        XCTAssertEqual(f.dataSet.items(DICOMTag(0x0009, 0x1002)).count, 1)
    }

    func testLazyParseStopsAtPixelData() throws {
        var ds = TestFiles.imageDataSet(rows: 2, columns: 2)
        ds.add(Tag.pixelData, .OW, bytes: [1, 0, 2, 0, 3, 0, 4, 0])
        ds.add(Tag.dataSetTrailingPadding, .OB, bytes: [0, 0])
        let f = try TestFiles.parse(TestFiles.file(ds), lazy: true)
        XCTAssertTrue(f.isPartial)
        XCTAssertEqual(f.dataSet[Tag.pixelData]?.length, 8)
        XCTAssertNil(f.dataSet[Tag.dataSetTrailingPadding], "nothing after Pixel Data is read when listing")
        XCTAssertNotNil(try TestFiles.parse(TestFiles.file(ds)).dataSet[Tag.dataSetTrailingPadding])
    }

    func testEncapsulatedFragmentsAndMissingDelimiterAtEnd() throws {
        var ds = TestFiles.imageDataSet(rows: 2, columns: 2)
        ds.addEncapsulated(Tag.pixelData, fragments: [[1, 2, 3, 4], [5, 6]])
        let full = TestFiles.file(ds, syntax: .rleLossless)
        let f = try TestFiles.parse(full)
        XCTAssertEqual(f.dataSet[Tag.pixelData]?.fragments?.map { $0.count }, [0, 4, 2])
        let cut = try TestFiles.parse(Array(full.dropLast(8)))   // no Sequence Delimitation at EOF
        XCTAssertEqual(cut.dataSet[Tag.pixelData]?.fragments?.count, 3)
        XCTAssertTrue(cut.warnings.contains { $0.contains("without a Sequence Delimitation") })
        XCTAssertThrowsError(try TestFiles.parse(Array(full.dropLast(9))))   // a cut-off fragment is an error
    }

    func testUnsupportedSyntaxIsRefusedByName() throws {
        var ds = TestFiles.imageDataSet(rows: 2, columns: 2)
        ds.addEncapsulated(Tag.pixelData, fragments: [[0xFF, 0xD8, 0xFF, 0xD9]])
        let f = try TestFiles.parse(TestFiles.file(ds, syntax: TransferSyntax.forUID("1.2.840.10008.1.2.4.201")))
        XCTAssertThrowsError(try PixelDataReader(file: f)) { e in
            XCTAssertTrue("\(e)".contains("High-Throughput JPEG 2000"), "\(e)")
        }
        // A supported codec with a corrupt frame fails in decoding, naming the codec.
        let b = try TestFiles.parse(TestFiles.file(ds, syntax: TransferSyntax.forUID("1.2.840.10008.1.2.4.50")))
        XCTAssertThrowsError(try PixelDataReader(file: b).frame(0)) { e in XCTAssertTrue("\(e)".contains("JPEG baseline"), "\(e)") }
        let g = try TestFiles.parse(TestFiles.file(ds, syntax: TransferSyntax.forUID("1.2.3.4.5")))
        XCTAssertThrowsError(try PixelDataReader(file: g)) { e in XCTAssertTrue("\(e)".contains("1.2.3.4.5"), "\(e)") }
    }

    func testTruncatedNativePixelDataIsReported() throws {
        var ds = TestFiles.imageDataSet(rows: 4, columns: 4)
        ds.add(Tag.pixelData, .OW, bytes: [UInt8](repeating: 0, count: 30))
        let f = try TestFiles.parse(TestFiles.file(ds))
        XCTAssertThrowsError(try PixelDataReader(file: f)) { e in XCTAssertTrue("\(e)".contains("holds 30 bytes"), "\(e)") }
    }

    func testStoredValueMasksHighBitsAndSignExtends() {
        let f = PixelFormat(rows: 1, columns: 1, bitsAllocated: 16, bitsStored: 12, isSigned: true)
        XCTAssertEqual(f.storedValue(0x0FFF), -1)
        XCTAssertEqual(f.storedValue(0x0800), -2048)
        XCTAssertEqual(f.storedValue(0x07FF), 2047)
        XCTAssertEqual(f.storedValue(0xF7FF), 2047)      // overlay bits above High Bit dropped
        let u = PixelFormat(rows: 1, columns: 1, bitsAllocated: 16, bitsStored: 12, isSigned: false)
        XCTAssertEqual(u.storedValue(0x8FFF), 4095)
        let shifted = PixelFormat(rows: 1, columns: 1, bitsAllocated: 16, bitsStored: 12, highBit: 15, isSigned: false)
        XCTAssertEqual(shifted.storedValue(0xABC0), 0xABC)
    }
}

final class DecimalStringTests: XCTestCase {
    func testDSValuesFitSixteenCharactersAndRoundTrip() {
        for x in [-123.5405, 0.1, 1e-5, 0.30000000000000004, 123456.78901234567, -0.0000123456789, 5, -1024, 0.451171875, 1.0 / 3.0] {
            let s = DataSetWriter.formatDS(x)
            XCTAssertLessThanOrEqual(s.count, 16, s)
            let back = Double(s)!
            XCTAssertEqual(back, x, accuracy: abs(x) * 1e-12 + 1e-15, s)
        }
    }
}
