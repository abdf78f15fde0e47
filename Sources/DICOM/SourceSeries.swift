import Foundation

/// What a derived object (SEG, Secondary Capture) copies from or references in its source series:
/// patient and study identity, the series and frame of reference, and the SOP instance of every slice
/// in the source grid's k order.
public struct SourceSeries: Sendable {
    public struct Instance: Sendable, Equatable {
        public var sopClassUID: String
        public var sopInstanceUID: String
    }

    public var studyInstanceUID: String
    public var seriesInstanceUID: String
    public var frameOfReferenceUID: String
    public var instances: [Instance]
    /// Patient and study attributes copied verbatim (tag -> (VR, value)); identifiers stay in the DICOM
    /// objects that already carry them and are never logged.
    var copied: [(DICOMTag, VR, String)]

    /// Reads the headers of the source slices (`AssembledVolume.slicePaths`, in k order; a multi-frame
    /// file appears once per frame).
    public static func read(slicePaths: [String]) throws -> SourceSeries {
        guard let first = slicePaths.first else { throw DICOMError.invalidArgument("no source slices") }
        var cache: [String: DataSet] = [:]
        func header(_ p: String) throws -> DataSet {
            if let d = cache[p] { return d }
            let d = try DICOMFile.read(URL(fileURLWithPath: p), stopAtPixelData: true).dataSet
            cache[p] = d
            return d
        }
        let ds = try header(first)
        var instances: [Instance] = []
        for p in slicePaths {
            let d = try header(p)
            instances.append(Instance(sopClassUID: d.string(Tag.sopClassUID) ?? "", sopInstanceUID: d.string(Tag.sopInstanceUID) ?? ""))
        }
        let fields: [(DICOMTag, VR)] = [
            (Tag.patientName, .PN), (Tag.patientID, .LO), (Tag.patientBirthDate, .DA), (Tag.patientSex, .CS),
            (Tag.studyDate, .DA), (Tag.studyTime, .TM), (Tag.studyID, .SH), (Tag.accessionNumber, .SH),
            (Tag.referringPhysicianName, .PN), (Tag.studyDescription, .LO),
        ]
        let copied = fields.map { ($0.0, $0.1, ds.string($0.0) ?? "") }
        guard let study = ds.string(Tag.studyInstanceUID), let series = ds.string(Tag.seriesInstanceUID) else {
            throw DICOMError.invalidArgument("\(first): no Study/Series Instance UID to reference")
        }
        return SourceSeries(studyInstanceUID: study, seriesInstanceUID: series,
                            frameOfReferenceUID: ds.string(Tag.frameOfReferenceUID) ?? UIDGenerator.make(),
                            instances: instances, copied: copied)
    }

    /// SOP Common, General Series, General Equipment and content date/time of a derived object, with
    /// the Patient and General Study modules copied from this series: the object joins the source's study.
    func addDerivedHeader(to ds: inout DataSetWriter, _ o: DerivedObject) {
        ds.add(Tag.specificCharacterSet, .CS, "ISO_IR 100")
        ds.add(Tag.imageType, .CS, o.imageType)
        ds.add(Tag.sopClassUID, .UI, o.sopClassUID)
        ds.add(Tag.sopInstanceUID, .UI, o.sopInstanceUID)
        for tag in [Tag.seriesDate, Tag.contentDate] { ds.add(tag, .DA, o.created.date) }
        for tag in [Tag.seriesTime, Tag.contentTime] { ds.add(tag, .TM, o.created.time) }
        ds.add(Tag.modality, .CS, o.modality)
        ds.add(Tag.manufacturer, .LO, o.manufacturer)
        ds.add(Tag.seriesDescription, .LO, o.seriesDescription)
        ds.add(Tag.softwareVersions, .LO, o.softwareVersions)
        for (tag, vr, value) in copied { ds.add(tag, vr, value) }
        ds.add(Tag.studyInstanceUID, .UI, studyInstanceUID)
        ds.add(Tag.seriesInstanceUID, .UI, o.seriesInstanceUID)
        ds.add(Tag.seriesNumber, .IS, String(o.seriesNumber))
        ds.add(Tag.instanceNumber, .IS, String(o.instanceNumber))
    }

    /// DICOM date (YYYYMMDD) and time (HHMMSS) of one instant, in UTC.
    static func timestamp(_ instant: Date = Date()) -> (date: String, time: String) {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyyMMdd"
        let d = f.string(from: instant)
        f.dateFormat = "HHmmss"
        return (d, f.string(from: instant))
    }
}

/// The identity of one derived instance (SEG or Secondary Capture), for `SourceSeries.addDerivedHeader`.
struct DerivedObject {
    var imageType: String
    var sopClassUID: String
    var sopInstanceUID: String
    var seriesInstanceUID: String
    var seriesNumber: Int
    var instanceNumber: Int
    var modality: String
    var manufacturer: String
    var seriesDescription: String
    var softwareVersions: String
    var created: (date: String, time: String)
}
