/// The attributes this project reads or writes, with their VRs (needed to parse Implicit VR files)
/// and keywords (for `dicom dump` and the JSON sidecar). Not the whole standard: tags outside this list
/// are kept as opaque bytes (VR UN) when the file does not state a VR.
public enum Tag {
    // File meta
    public static let fileMetaGroupLength = DICOMTag(0x0002, 0x0000)
    public static let fileMetaVersion = DICOMTag(0x0002, 0x0001)
    public static let mediaStorageSOPClassUID = DICOMTag(0x0002, 0x0002)
    public static let mediaStorageSOPInstanceUID = DICOMTag(0x0002, 0x0003)
    public static let transferSyntaxUID = DICOMTag(0x0002, 0x0010)
    public static let implementationClassUID = DICOMTag(0x0002, 0x0012)
    public static let implementationVersionName = DICOMTag(0x0002, 0x0013)
    // DICOMDIR
    public static let fileSetID = DICOMTag(0x0004, 0x1130)
    public static let offsetOfFirstRootRecord = DICOMTag(0x0004, 0x1200)
    public static let offsetOfLastRootRecord = DICOMTag(0x0004, 0x1202)
    public static let fileSetConsistencyFlag = DICOMTag(0x0004, 0x1212)
    public static let directoryRecordSequence = DICOMTag(0x0004, 0x1220)
    public static let offsetOfNextRecord = DICOMTag(0x0004, 0x1400)
    public static let recordInUseFlag = DICOMTag(0x0004, 0x1410)
    public static let offsetOfLowerLevelEntity = DICOMTag(0x0004, 0x1420)
    public static let directoryRecordType = DICOMTag(0x0004, 0x1430)
    public static let referencedFileID = DICOMTag(0x0004, 0x1500)
    public static let referencedSOPClassUIDInFile = DICOMTag(0x0004, 0x1510)
    public static let referencedSOPInstanceUIDInFile = DICOMTag(0x0004, 0x1511)
    public static let referencedTransferSyntaxUIDInFile = DICOMTag(0x0004, 0x1512)
    // Identification
    public static let specificCharacterSet = DICOMTag(0x0008, 0x0005)
    public static let imageType = DICOMTag(0x0008, 0x0008)
    public static let sopClassUID = DICOMTag(0x0008, 0x0016)
    public static let sopInstanceUID = DICOMTag(0x0008, 0x0018)
    public static let studyDate = DICOMTag(0x0008, 0x0020)
    public static let seriesDate = DICOMTag(0x0008, 0x0021)
    public static let acquisitionDate = DICOMTag(0x0008, 0x0022)
    public static let contentDate = DICOMTag(0x0008, 0x0023)
    public static let studyTime = DICOMTag(0x0008, 0x0030)
    public static let seriesTime = DICOMTag(0x0008, 0x0031)
    public static let acquisitionTime = DICOMTag(0x0008, 0x0032)
    public static let contentTime = DICOMTag(0x0008, 0x0033)
    public static let accessionNumber = DICOMTag(0x0008, 0x0050)
    public static let modality = DICOMTag(0x0008, 0x0060)
    public static let conversionType = DICOMTag(0x0008, 0x0064)
    public static let manufacturer = DICOMTag(0x0008, 0x0070)
    public static let institutionName = DICOMTag(0x0008, 0x0080)
    public static let referringPhysicianName = DICOMTag(0x0008, 0x0090)
    public static let studyDescription = DICOMTag(0x0008, 0x1030)
    public static let seriesDescription = DICOMTag(0x0008, 0x103E)
    public static let manufacturerModelName = DICOMTag(0x0008, 0x1090)
    public static let referencedImageSequence = DICOMTag(0x0008, 0x1140)
    public static let derivationDescription = DICOMTag(0x0008, 0x2111)
    // Patient
    public static let patientName = DICOMTag(0x0010, 0x0010)
    public static let patientID = DICOMTag(0x0010, 0x0020)
    public static let patientBirthDate = DICOMTag(0x0010, 0x0030)
    public static let patientSex = DICOMTag(0x0010, 0x0040)
    public static let patientAge = DICOMTag(0x0010, 0x1010)
    // Acquisition
    public static let contrastBolusAgent = DICOMTag(0x0018, 0x0010)
    public static let contrastBolusRoute = DICOMTag(0x0018, 0x1040)
    public static let bodyPartExamined = DICOMTag(0x0018, 0x0015)
    public static let scanOptions = DICOMTag(0x0018, 0x0022)
    public static let sliceThickness = DICOMTag(0x0018, 0x0050)
    public static let kvp = DICOMTag(0x0018, 0x0060)
    public static let spacingBetweenSlices = DICOMTag(0x0018, 0x0088)
    public static let softwareVersions = DICOMTag(0x0018, 0x1020)
    public static let protocolName = DICOMTag(0x0018, 0x1030)
    public static let reconstructionDiameter = DICOMTag(0x0018, 0x1100)
    public static let gantryDetectorTilt = DICOMTag(0x0018, 0x1120)
    public static let tableHeight = DICOMTag(0x0018, 0x1130)
    public static let exposureTime = DICOMTag(0x0018, 0x1150)
    public static let xRayTubeCurrent = DICOMTag(0x0018, 0x1151)
    public static let exposure = DICOMTag(0x0018, 0x1152)
    public static let convolutionKernel = DICOMTag(0x0018, 0x1210)
    public static let patientPosition = DICOMTag(0x0018, 0x5100)
    public static let contrastBolusAgentSequence = DICOMTag(0x0018, 0x0012)
    // Relationship
    public static let studyInstanceUID = DICOMTag(0x0020, 0x000D)
    public static let seriesInstanceUID = DICOMTag(0x0020, 0x000E)
    public static let studyID = DICOMTag(0x0020, 0x0010)
    public static let seriesNumber = DICOMTag(0x0020, 0x0011)
    public static let acquisitionNumber = DICOMTag(0x0020, 0x0012)
    public static let instanceNumber = DICOMTag(0x0020, 0x0013)
    public static let patientOrientation = DICOMTag(0x0020, 0x0020)
    public static let imagePositionPatient = DICOMTag(0x0020, 0x0032)
    public static let imageOrientationPatient = DICOMTag(0x0020, 0x0037)
    public static let frameOfReferenceUID = DICOMTag(0x0020, 0x0052)
    public static let sliceLocation = DICOMTag(0x0020, 0x1041)
    public static let imageComments = DICOMTag(0x0020, 0x4000)
    // Multi-frame functional groups
    public static let sharedFunctionalGroups = DICOMTag(0x5200, 0x9229)
    public static let perFrameFunctionalGroups = DICOMTag(0x5200, 0x9230)
    public static let planePositionSequence = DICOMTag(0x0020, 0x9113)
    public static let planeOrientationSequence = DICOMTag(0x0020, 0x9116)
    public static let pixelMeasuresSequence = DICOMTag(0x0028, 0x9110)
    public static let pixelValueTransformationSequence = DICOMTag(0x0028, 0x9145)
    public static let iconImageSequence = DICOMTag(0x0088, 0x0200)
    // Image pixel module
    public static let samplesPerPixel = DICOMTag(0x0028, 0x0002)
    public static let photometricInterpretation = DICOMTag(0x0028, 0x0004)
    public static let planarConfiguration = DICOMTag(0x0028, 0x0006)
    public static let numberOfFrames = DICOMTag(0x0028, 0x0008)
    public static let rows = DICOMTag(0x0028, 0x0010)
    public static let columns = DICOMTag(0x0028, 0x0011)
    public static let pixelSpacing = DICOMTag(0x0028, 0x0030)
    public static let bitsAllocated = DICOMTag(0x0028, 0x0100)
    public static let bitsStored = DICOMTag(0x0028, 0x0101)
    public static let highBit = DICOMTag(0x0028, 0x0102)
    public static let pixelRepresentation = DICOMTag(0x0028, 0x0103)
    public static let pixelPaddingValue = DICOMTag(0x0028, 0x0120)
    public static let windowCenter = DICOMTag(0x0028, 0x1050)
    public static let windowWidth = DICOMTag(0x0028, 0x1051)
    public static let rescaleIntercept = DICOMTag(0x0028, 0x1052)
    public static let rescaleSlope = DICOMTag(0x0028, 0x1053)
    public static let rescaleType = DICOMTag(0x0028, 0x1054)
    public static let burnedInAnnotation = DICOMTag(0x0028, 0x0301)
    public static let lossyImageCompression = DICOMTag(0x0028, 0x2110)
    // Overlay (group 6000; use `inOverlayGroup` for 6002...601E)
    public static let overlayRows = DICOMTag(0x6000, 0x0010)
    public static let overlayColumns = DICOMTag(0x6000, 0x0011)
    public static let numberOfFramesInOverlay = DICOMTag(0x6000, 0x0015)
    public static let overlayDescription = DICOMTag(0x6000, 0x0022)
    public static let overlayType = DICOMTag(0x6000, 0x0040)
    public static let overlayOrigin = DICOMTag(0x6000, 0x0050)
    public static let imageFrameOrigin = DICOMTag(0x6000, 0x0051)
    public static let overlayBitsAllocated = DICOMTag(0x6000, 0x0100)
    public static let overlayBitPosition = DICOMTag(0x6000, 0x0102)
    public static let overlayLabel = DICOMTag(0x6000, 0x1500)
    public static let overlayData = DICOMTag(0x6000, 0x3000)
    // Pixel data
    public static let extendedOffsetTable = DICOMTag(0x7FE0, 0x0001)
    public static let extendedOffsetTableLengths = DICOMTag(0x7FE0, 0x0002)
    public static let pixelData = DICOMTag(0x7FE0, 0x0010)
    public static let dataSetTrailingPadding = DICOMTag(0xFFFC, 0xFFFC)
}

/// VR and keyword lookup for the tags above (plus group lengths and overlay repeats).
public enum DataDictionary {
    public struct Entry: Sendable {
        public let vr: VR
        public let keyword: String
    }

    private static let table: [UInt32: Entry] = {
        let rows: [(DICOMTag, VR, String)] = [
            (Tag.fileMetaGroupLength, .UL, "FileMetaInformationGroupLength"),
            (Tag.fileMetaVersion, .OB, "FileMetaInformationVersion"),
            (Tag.mediaStorageSOPClassUID, .UI, "MediaStorageSOPClassUID"),
            (Tag.mediaStorageSOPInstanceUID, .UI, "MediaStorageSOPInstanceUID"),
            (Tag.transferSyntaxUID, .UI, "TransferSyntaxUID"),
            (Tag.implementationClassUID, .UI, "ImplementationClassUID"),
            (Tag.implementationVersionName, .SH, "ImplementationVersionName"),
            (Tag.fileSetID, .CS, "FileSetID"),
            (Tag.offsetOfFirstRootRecord, .UL, "OffsetOfTheFirstDirectoryRecordOfTheRootDirectoryEntity"),
            (Tag.offsetOfLastRootRecord, .UL, "OffsetOfTheLastDirectoryRecordOfTheRootDirectoryEntity"),
            (Tag.fileSetConsistencyFlag, .US, "FileSetConsistencyFlag"),
            (Tag.directoryRecordSequence, .SQ, "DirectoryRecordSequence"),
            (Tag.offsetOfNextRecord, .UL, "OffsetOfTheNextDirectoryRecord"),
            (Tag.recordInUseFlag, .US, "RecordInUseFlag"),
            (Tag.offsetOfLowerLevelEntity, .UL, "OffsetOfReferencedLowerLevelDirectoryEntity"),
            (Tag.directoryRecordType, .CS, "DirectoryRecordType"),
            (Tag.referencedFileID, .CS, "ReferencedFileID"),
            (Tag.referencedSOPClassUIDInFile, .UI, "ReferencedSOPClassUIDInFile"),
            (Tag.referencedSOPInstanceUIDInFile, .UI, "ReferencedSOPInstanceUIDInFile"),
            (Tag.referencedTransferSyntaxUIDInFile, .UI, "ReferencedTransferSyntaxUIDInFile"),
            (Tag.specificCharacterSet, .CS, "SpecificCharacterSet"),
            (Tag.imageType, .CS, "ImageType"),
            (Tag.sopClassUID, .UI, "SOPClassUID"),
            (Tag.sopInstanceUID, .UI, "SOPInstanceUID"),
            (Tag.studyDate, .DA, "StudyDate"),
            (Tag.seriesDate, .DA, "SeriesDate"),
            (Tag.acquisitionDate, .DA, "AcquisitionDate"),
            (Tag.contentDate, .DA, "ContentDate"),
            (Tag.studyTime, .TM, "StudyTime"),
            (Tag.seriesTime, .TM, "SeriesTime"),
            (Tag.acquisitionTime, .TM, "AcquisitionTime"),
            (Tag.contentTime, .TM, "ContentTime"),
            (Tag.accessionNumber, .SH, "AccessionNumber"),
            (Tag.modality, .CS, "Modality"),
            (Tag.conversionType, .CS, "ConversionType"),
            (Tag.manufacturer, .LO, "Manufacturer"),
            (Tag.institutionName, .LO, "InstitutionName"),
            (Tag.referringPhysicianName, .PN, "ReferringPhysicianName"),
            (Tag.studyDescription, .LO, "StudyDescription"),
            (Tag.seriesDescription, .LO, "SeriesDescription"),
            (Tag.manufacturerModelName, .LO, "ManufacturerModelName"),
            (Tag.derivationDescription, .ST, "DerivationDescription"),
            (Tag.referencedImageSequence, .SQ, "ReferencedImageSequence"),
            (Tag.patientName, .PN, "PatientName"),
            (Tag.patientID, .LO, "PatientID"),
            (Tag.patientBirthDate, .DA, "PatientBirthDate"),
            (Tag.patientSex, .CS, "PatientSex"),
            (Tag.patientAge, .AS, "PatientAge"),
            (Tag.contrastBolusAgent, .LO, "ContrastBolusAgent"),
            (Tag.contrastBolusAgentSequence, .SQ, "ContrastBolusAgentSequence"),
            (Tag.contrastBolusRoute, .LO, "ContrastBolusRoute"),
            (Tag.bodyPartExamined, .CS, "BodyPartExamined"),
            (Tag.scanOptions, .CS, "ScanOptions"),
            (Tag.sliceThickness, .DS, "SliceThickness"),
            (Tag.kvp, .DS, "KVP"),
            (Tag.spacingBetweenSlices, .DS, "SpacingBetweenSlices"),
            (Tag.softwareVersions, .LO, "SoftwareVersions"),
            (Tag.protocolName, .LO, "ProtocolName"),
            (Tag.reconstructionDiameter, .DS, "ReconstructionDiameter"),
            (Tag.gantryDetectorTilt, .DS, "GantryDetectorTilt"),
            (Tag.tableHeight, .DS, "TableHeight"),
            (Tag.exposureTime, .IS, "ExposureTime"),
            (Tag.xRayTubeCurrent, .IS, "XRayTubeCurrent"),
            (Tag.exposure, .IS, "Exposure"),
            (Tag.convolutionKernel, .SH, "ConvolutionKernel"),
            (Tag.patientPosition, .CS, "PatientPosition"),
            (Tag.studyInstanceUID, .UI, "StudyInstanceUID"),
            (Tag.seriesInstanceUID, .UI, "SeriesInstanceUID"),
            (Tag.studyID, .SH, "StudyID"),
            (Tag.seriesNumber, .IS, "SeriesNumber"),
            (Tag.acquisitionNumber, .IS, "AcquisitionNumber"),
            (Tag.instanceNumber, .IS, "InstanceNumber"),
            (Tag.patientOrientation, .CS, "PatientOrientation"),
            (Tag.imagePositionPatient, .DS, "ImagePositionPatient"),
            (Tag.imageOrientationPatient, .DS, "ImageOrientationPatient"),
            (Tag.frameOfReferenceUID, .UI, "FrameOfReferenceUID"),
            (Tag.sliceLocation, .DS, "SliceLocation"),
            (Tag.imageComments, .LT, "ImageComments"),
            (Tag.sharedFunctionalGroups, .SQ, "SharedFunctionalGroupsSequence"),
            (Tag.perFrameFunctionalGroups, .SQ, "PerFrameFunctionalGroupsSequence"),
            (Tag.planePositionSequence, .SQ, "PlanePositionSequence"),
            (Tag.planeOrientationSequence, .SQ, "PlaneOrientationSequence"),
            (Tag.pixelMeasuresSequence, .SQ, "PixelMeasuresSequence"),
            (Tag.pixelValueTransformationSequence, .SQ, "PixelValueTransformationSequence"),
            (Tag.iconImageSequence, .SQ, "IconImageSequence"),
            (Tag.samplesPerPixel, .US, "SamplesPerPixel"),
            (Tag.photometricInterpretation, .CS, "PhotometricInterpretation"),
            (Tag.planarConfiguration, .US, "PlanarConfiguration"),
            (Tag.numberOfFrames, .IS, "NumberOfFrames"),
            (Tag.rows, .US, "Rows"),
            (Tag.columns, .US, "Columns"),
            (Tag.pixelSpacing, .DS, "PixelSpacing"),
            (Tag.bitsAllocated, .US, "BitsAllocated"),
            (Tag.bitsStored, .US, "BitsStored"),
            (Tag.highBit, .US, "HighBit"),
            (Tag.pixelRepresentation, .US, "PixelRepresentation"),
            (Tag.pixelPaddingValue, .SS, "PixelPaddingValue"),
            (Tag.windowCenter, .DS, "WindowCenter"),
            (Tag.windowWidth, .DS, "WindowWidth"),
            (Tag.rescaleIntercept, .DS, "RescaleIntercept"),
            (Tag.rescaleSlope, .DS, "RescaleSlope"),
            (Tag.rescaleType, .LO, "RescaleType"),
            (Tag.burnedInAnnotation, .CS, "BurnedInAnnotation"),
            (Tag.lossyImageCompression, .CS, "LossyImageCompression"),
            (Tag.extendedOffsetTable, .OV, "ExtendedOffsetTable"),
            (Tag.extendedOffsetTableLengths, .OV, "ExtendedOffsetTableLengths"),
            (Tag.pixelData, .OW, "PixelData"),
            (Tag.dataSetTrailingPadding, .OB, "DataSetTrailingPadding"),
        ]
        var t = [UInt32: Entry]()
        for (tag, vr, kw) in rows + segmentationRows { t[tag.combined] = Entry(vr: vr, keyword: kw) }
        return t
    }()

    private static let overlayTable: [UInt16: Entry] = [
        0x0010: Entry(vr: .US, keyword: "OverlayRows"),
        0x0011: Entry(vr: .US, keyword: "OverlayColumns"),
        0x0015: Entry(vr: .IS, keyword: "NumberOfFramesInOverlay"),
        0x0022: Entry(vr: .LO, keyword: "OverlayDescription"),
        0x0040: Entry(vr: .CS, keyword: "OverlayType"),
        0x0045: Entry(vr: .LO, keyword: "OverlaySubtype"),
        0x0050: Entry(vr: .SS, keyword: "OverlayOrigin"),
        0x0051: Entry(vr: .US, keyword: "ImageFrameOrigin"),
        0x0100: Entry(vr: .US, keyword: "OverlayBitsAllocated"),
        0x0102: Entry(vr: .US, keyword: "OverlayBitPosition"),
        0x1500: Entry(vr: .LO, keyword: "OverlayLabel"),
        0x3000: Entry(vr: .OW, keyword: "OverlayData"),
    ]

    public static func entry(_ tag: DICOMTag) -> Entry? {
        if let e = table[tag.combined] { return e }
        if tag.group >= 0x6000, tag.group <= 0x601E, tag.group & 1 == 0 { return overlayTable[tag.element] }
        if tag.element == 0x0000 { return Entry(vr: .UL, keyword: "GroupLength") }
        return nil
    }

    /// VR used when the file does not state one (Implicit VR).
    public static func vr(for tag: DICOMTag) -> VR {
        if tag.isPrivate {
            // Private creator elements (gggg,0010-00FF) are LO by definition; the rest are opaque.
            return tag.element >= 0x0010 && tag.element <= 0x00FF ? .LO : .UN
        }
        return entry(tag)?.vr ?? .UN
    }

    public static func keyword(for tag: DICOMTag) -> String {
        if tag.isPrivate { return tag.element >= 0x0010 && tag.element <= 0x00FF ? "PrivateCreator" : "Private" }
        return entry(tag)?.keyword ?? "Unknown"
    }
}
