import DICOM

/// What the node accepts: Verification and the storage SOP classes a head CT study carries (the CT
/// images, scouts, secondary captures, dose reports, presentation states), plus the objects this
/// toolkit itself writes (SEG) so a PACS round trip works. Everything accepted is stored; only CT
/// series are scored (series selection decides).
public enum StorageClasses {
    public static let verification = "1.2.840.10008.1.1"
    public static let ctImage = "1.2.840.10008.5.1.4.1.1.2"
    public static let secondaryCapture = "1.2.840.10008.5.1.4.1.1.7"
    public static let segmentation = "1.2.840.10008.5.1.4.1.1.66.4"

    public static let storage: [String] = [
        ctImage,
        "1.2.840.10008.5.1.4.1.1.2.1",     // Enhanced CT Image
        "1.2.840.10008.5.1.4.1.1.2.2",     // Legacy Converted Enhanced CT Image
        secondaryCapture,
        "1.2.840.10008.5.1.4.1.1.7.1",     // Multi-frame Single Bit Secondary Capture
        "1.2.840.10008.5.1.4.1.1.7.2",     // Multi-frame Grayscale Byte Secondary Capture
        "1.2.840.10008.5.1.4.1.1.7.3",     // Multi-frame Grayscale Word Secondary Capture
        "1.2.840.10008.5.1.4.1.1.7.4",     // Multi-frame True Color Secondary Capture
        "1.2.840.10008.5.1.4.1.1.1",       // Computed Radiography Image (some scanners' scouts)
        "1.2.840.10008.5.1.4.1.1.1.1",     // Digital X-Ray Image - For Presentation
        "1.2.840.10008.5.1.4.1.1.4",       // MR Image
        "1.2.840.10008.5.1.4.1.1.11.1",    // Grayscale Softcopy Presentation State
        "1.2.840.10008.5.1.4.1.1.66",      // Raw Data
        "1.2.840.10008.5.1.4.1.1.66.1",    // Spatial Registration
        segmentation,
        "1.2.840.10008.5.1.4.1.1.88.11",   // Basic Text SR
        "1.2.840.10008.5.1.4.1.1.88.22",   // Enhanced SR
        "1.2.840.10008.5.1.4.1.1.88.33",   // Comprehensive SR
        "1.2.840.10008.5.1.4.1.1.88.59",   // Key Object Selection Document
        "1.2.840.10008.5.1.4.1.1.88.67",   // X-Ray Radiation Dose SR
        "1.2.840.10008.5.1.4.1.1.104.1",   // Encapsulated PDF
    ]

    /// Transfer syntaxes accepted for storage: those the reader can decode (uncompressed, deflate,
    /// RLE, JPEG, JPEG-LS, JPEG 2000), in this order of preference.
    public static let transferSyntaxes: [String] =
        TransferSyntax.known.filter { $0.codec != .unknown }.map(\.uid)

    /// Verification carries no data set: the two uncompressed syntaxes are enough.
    public static let verificationSyntaxes = [TransferSyntax.explicitLittle.uid, TransferSyntax.implicitLittle.uid]
}
