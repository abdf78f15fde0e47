/// The attributes of the Segmentation IOD (DICOM PS3.3 A.51) and the references, codes and
/// multi-frame dimensions it shares with other derived objects: named here so `SegmentationWriter`
/// spells no raw tag numbers, and listed in `DataDictionary` so `dicom dump` and implicit-VR parsing
/// know them.
extension Tag {
    public static let codeValue = DICOMTag(0x0008, 0x0100)
    public static let codingSchemeDesignator = DICOMTag(0x0008, 0x0102)
    public static let codeMeaning = DICOMTag(0x0008, 0x0104)
    public static let referencedSeriesSequence = DICOMTag(0x0008, 0x1115)
    public static let referencedInstanceSequence = DICOMTag(0x0008, 0x114A)
    public static let referencedSOPClassUID = DICOMTag(0x0008, 0x1150)
    public static let referencedSOPInstanceUID = DICOMTag(0x0008, 0x1155)
    public static let referencedFrameNumber = DICOMTag(0x0008, 0x1160)
    public static let sourceImageSequence = DICOMTag(0x0008, 0x2112)
    public static let derivationImageSequence = DICOMTag(0x0008, 0x9124)
    public static let derivationCodeSequence = DICOMTag(0x0008, 0x9215)
    public static let deviceSerialNumber = DICOMTag(0x0018, 0x1000)
    public static let positionReferenceIndicator = DICOMTag(0x0020, 0x1040)
    public static let frameContentSequence = DICOMTag(0x0020, 0x9111)
    public static let dimensionIndexValues = DICOMTag(0x0020, 0x9157)
    public static let dimensionOrganizationUID = DICOMTag(0x0020, 0x9164)
    public static let dimensionIndexPointer = DICOMTag(0x0020, 0x9165)
    public static let functionalGroupPointer = DICOMTag(0x0020, 0x9167)
    public static let dimensionOrganizationSequence = DICOMTag(0x0020, 0x9221)
    public static let dimensionIndexSequence = DICOMTag(0x0020, 0x9222)
    public static let dimensionOrganizationType = DICOMTag(0x0020, 0x9311)
    public static let dimensionDescriptionLabel = DICOMTag(0x0020, 0x9421)
    public static let purposeOfReferenceCodeSequence = DICOMTag(0x0040, 0xA170)
    public static let segmentationType = DICOMTag(0x0062, 0x0001)
    public static let segmentSequence = DICOMTag(0x0062, 0x0002)
    public static let segmentedPropertyCategoryCodeSequence = DICOMTag(0x0062, 0x0003)
    public static let segmentNumber = DICOMTag(0x0062, 0x0004)
    public static let segmentLabel = DICOMTag(0x0062, 0x0005)
    public static let segmentDescription = DICOMTag(0x0062, 0x0006)
    public static let segmentationAlgorithmIdentificationSequence = DICOMTag(0x0062, 0x0007)
    public static let segmentAlgorithmType = DICOMTag(0x0062, 0x0008)
    public static let segmentAlgorithmName = DICOMTag(0x0062, 0x0009)
    public static let segmentIdentificationSequence = DICOMTag(0x0062, 0x000A)
    public static let referencedSegmentNumber = DICOMTag(0x0062, 0x000B)
    public static let recommendedDisplayCIELabValue = DICOMTag(0x0062, 0x000D)
    public static let segmentedPropertyTypeCodeSequence = DICOMTag(0x0062, 0x000F)
    public static let segmentedPropertyTypeModifierCodeSequence = DICOMTag(0x0062, 0x0011)
    public static let algorithmFamilyCodeSequence = DICOMTag(0x0066, 0x002F)
    public static let algorithmVersion = DICOMTag(0x0066, 0x0031)
    public static let algorithmName = DICOMTag(0x0066, 0x0036)
    public static let contentLabel = DICOMTag(0x0070, 0x0080)
    public static let contentDescription = DICOMTag(0x0070, 0x0081)
    public static let contentCreatorName = DICOMTag(0x0070, 0x0084)
}

extension DataDictionary {
    /// VR and keyword rows for the tags above.
    static let segmentationRows: [(DICOMTag, VR, String)] = [
        (Tag.codeValue, .SH, "CodeValue"),
        (Tag.codingSchemeDesignator, .SH, "CodingSchemeDesignator"),
        (Tag.codeMeaning, .LO, "CodeMeaning"),
        (Tag.referencedSeriesSequence, .SQ, "ReferencedSeriesSequence"),
        (Tag.referencedInstanceSequence, .SQ, "ReferencedInstanceSequence"),
        (Tag.referencedSOPClassUID, .UI, "ReferencedSOPClassUID"),
        (Tag.referencedSOPInstanceUID, .UI, "ReferencedSOPInstanceUID"),
        (Tag.referencedFrameNumber, .IS, "ReferencedFrameNumber"),
        (Tag.sourceImageSequence, .SQ, "SourceImageSequence"),
        (Tag.derivationImageSequence, .SQ, "DerivationImageSequence"),
        (Tag.derivationCodeSequence, .SQ, "DerivationCodeSequence"),
        (Tag.deviceSerialNumber, .LO, "DeviceSerialNumber"),
        (Tag.positionReferenceIndicator, .LO, "PositionReferenceIndicator"),
        (Tag.frameContentSequence, .SQ, "FrameContentSequence"),
        (Tag.dimensionIndexValues, .UL, "DimensionIndexValues"),
        (Tag.dimensionOrganizationUID, .UI, "DimensionOrganizationUID"),
        (Tag.dimensionIndexPointer, .AT, "DimensionIndexPointer"),
        (Tag.functionalGroupPointer, .AT, "FunctionalGroupPointer"),
        (Tag.dimensionOrganizationSequence, .SQ, "DimensionOrganizationSequence"),
        (Tag.dimensionIndexSequence, .SQ, "DimensionIndexSequence"),
        (Tag.dimensionOrganizationType, .CS, "DimensionOrganizationType"),
        (Tag.dimensionDescriptionLabel, .LO, "DimensionDescriptionLabel"),
        (Tag.purposeOfReferenceCodeSequence, .SQ, "PurposeOfReferenceCodeSequence"),
        (Tag.segmentationType, .CS, "SegmentationType"),
        (Tag.segmentSequence, .SQ, "SegmentSequence"),
        (Tag.segmentedPropertyCategoryCodeSequence, .SQ, "SegmentedPropertyCategoryCodeSequence"),
        (Tag.segmentNumber, .US, "SegmentNumber"),
        (Tag.segmentLabel, .LO, "SegmentLabel"),
        (Tag.segmentDescription, .ST, "SegmentDescription"),
        (Tag.segmentationAlgorithmIdentificationSequence, .SQ, "SegmentationAlgorithmIdentificationSequence"),
        (Tag.segmentAlgorithmType, .CS, "SegmentAlgorithmType"),
        (Tag.segmentAlgorithmName, .LO, "SegmentAlgorithmName"),
        (Tag.segmentIdentificationSequence, .SQ, "SegmentIdentificationSequence"),
        (Tag.referencedSegmentNumber, .US, "ReferencedSegmentNumber"),
        (Tag.recommendedDisplayCIELabValue, .US, "RecommendedDisplayCIELabValue"),
        (Tag.segmentedPropertyTypeCodeSequence, .SQ, "SegmentedPropertyTypeCodeSequence"),
        (Tag.segmentedPropertyTypeModifierCodeSequence, .SQ, "SegmentedPropertyTypeModifierCodeSequence"),
        (Tag.algorithmFamilyCodeSequence, .SQ, "AlgorithmFamilyCodeSequence"),
        (Tag.algorithmVersion, .LO, "AlgorithmVersion"),
        (Tag.algorithmName, .LO, "AlgorithmName"),
        (Tag.contentLabel, .CS, "ContentLabel"),
        (Tag.contentDescription, .LO, "ContentDescription"),
        (Tag.contentCreatorName, .PN, "ContentCreatorName"),
    ]
}
