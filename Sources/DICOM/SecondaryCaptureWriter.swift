import Foundation
import ImageCore

/// Writes RGB pictures (the report's level images) as Secondary Capture Image Storage instances in the
/// source study, so a PACS shows the report next to the scan. Pixels are given decoded (8-bit RGB,
/// interleaved), which keeps this module free of image codecs.
public struct SecondaryCaptureWriter {
    public static let secondaryCaptureStorage = "1.2.840.10008.5.1.4.1.1.7"

    public struct Picture: Sendable {
        public var width: Int
        public var height: Int
        /// width * height * 3 bytes, RGB interleaved, rows from the top.
        public var rgb: [UInt8]
        public var description: String
        public init(width: Int, height: Int, rgb: [UInt8], description: String) {
            self.width = width; self.height = height; self.rgb = rgb; self.description = description
        }
    }

    public var seriesDescription = "ASPECTS report"
    public var seriesNumber = 301
    public var manufacturer = "DeepStroke"
    public var softwareVersion = "0"

    public init() {}

    /// Writes one instance per picture into `folder` (`SC0001.dcm`, ...), all in one new series of the
    /// source study. Returns the files written.
    public func write(_ pictures: [Picture], source: SourceSeries, to folder: URL) throws -> [URL] {
        let seriesUID = UIDGenerator.make()
        let created = SourceSeries.timestamp()
        var out: [URL] = []
        for (n, p) in pictures.enumerated() {
            guard p.width > 0, p.height > 0, p.width <= 65535, p.height <= 65535, p.rgb.count == p.width * p.height * 3 else {
                throw DICOMError.invalidArgument("picture \(n + 1): \(p.width)x\(p.height) with \(p.rgb.count) bytes is not an RGB image")
            }
            let sopUID = UIDGenerator.make()
            var ds = DataSetWriter()
            source.addDerivedHeader(to: &ds, DerivedObject(
                imageType: "DERIVED\\SECONDARY", sopClassUID: Self.secondaryCaptureStorage, sopInstanceUID: sopUID,
                seriesInstanceUID: seriesUID, seriesNumber: seriesNumber, instanceNumber: n + 1, modality: "OT",
                manufacturer: manufacturer, seriesDescription: seriesDescription, softwareVersions: softwareVersion,
                created: created))
            ds.add(Tag.conversionType, .CS, "WSD")               // a workstation made it
            ds.add(Tag.derivationDescription, .ST, p.description)
            ds.add(Tag.patientOrientation, .CS, "")               // none: a picture, not a slice
            ds.add(Tag.burnedInAnnotation, .CS, "YES")           // the report has text
            ds.addUS(Tag.samplesPerPixel, [3])
            ds.add(Tag.photometricInterpretation, .CS, "RGB")
            ds.addUS(Tag.planarConfiguration, [0])
            ds.addUS(Tag.rows, [p.height])
            ds.addUS(Tag.columns, [p.width])
            ds.addUS(Tag.bitsAllocated, [8])
            ds.addUS(Tag.bitsStored, [8])
            ds.addUS(Tag.highBit, [7])
            ds.addUS(Tag.pixelRepresentation, [0])
            ds.add(Tag.lossyImageCompression, .CS, "00")
            ds.add(Tag.pixelData, .OB, bytes: p.rgb)
            let bytes = DataSetWriter.part10(dataSet: ds, sopClassUID: Self.secondaryCaptureStorage, sopInstanceUID: sopUID,
                                             syntax: .explicitLittle)
            let url = folder.appendingPathComponent(String(format: "SC%04d.dcm", n + 1))
            try AtomicFile.write(Data(bytes), to: url)
            out.append(url)
        }
        return out
    }
}
