import Foundation
/// What listing, grouping, selection and assembly need from one file's header, copied out of the
/// dataset so no file stays mapped once it is indexed. Patient identity is deliberately not kept.
public struct ImageInfo: Sendable {
    public var path: String
    public var transferSyntax: TransferSyntax
    public var sopClassUID: String
    public var sopInstanceUID: String
    public var studyInstanceUID: String
    public var seriesInstanceUID: String
    public var frameOfReferenceUID: String
    public var studyDescription: String
    public var studyID: String
    public var studyDate: String
    public var seriesDescription: String
    public var seriesNumber: Int?
    public var acquisitionNumber: Int?
    public var instanceNumber: Int?
    public var modality: String
    public var imageType: [String]
    public var manufacturer: String
    public var manufacturerModelName: String
    public var protocolName: String
    public var bodyPartExamined: String
    public var convolutionKernel: String
    public var contrastBolusAgent: String
    public var hasContrastSequence: Bool
    public var kvp: Double?
    public var exposure: Double?
    public var tubeCurrent: Double?
    public var acquisitionTime: String
    public var derivationDescription: String
    // Image pixel
    public var rows: Int?
    public var columns: Int?
    public var samplesPerPixel: Int
    public var photometric: String
    public var bitsAllocated: Int?
    public var bitsStored: Int?
    public var pixelRepresentation: Int
    public var frames: Int
    public var hasPixelData: Bool
    // Geometry
    public var pixelSpacing: (row: Double, column: Double)?
    public var sliceThickness: Double?
    public var spacingBetweenSlices: Double?
    public var imagePosition: SIMD3<Double>?
    public var imageOrientation: [Double]?
    /// Per-frame positions of an enhanced multi-frame file (empty otherwise).
    public var framePositions: [SIMD3<Double>]
    public var gantryTilt: Double?
    public var rescaleSlope: Double
    public var rescaleIntercept: Double
    public var overlays: [OverlayInfo]

    public init(dataSet ds: DataSet, transferSyntax: TransferSyntax, path: String) {
        self.path = path
        self.transferSyntax = transferSyntax
        func s(_ t: DICOMTag) -> String { ds.string(t) ?? "" }
        sopClassUID = s(Tag.sopClassUID)
        sopInstanceUID = s(Tag.sopInstanceUID)
        studyInstanceUID = s(Tag.studyInstanceUID)
        seriesInstanceUID = s(Tag.seriesInstanceUID)
        frameOfReferenceUID = s(Tag.frameOfReferenceUID)
        studyDescription = s(Tag.studyDescription)
        studyID = s(Tag.studyID)
        studyDate = s(Tag.studyDate)
        seriesDescription = s(Tag.seriesDescription)
        seriesNumber = ds.int(Tag.seriesNumber)
        acquisitionNumber = ds.int(Tag.acquisitionNumber)
        instanceNumber = ds.int(Tag.instanceNumber)
        modality = s(Tag.modality)
        imageType = ds.strings(Tag.imageType).map { $0.uppercased() }
        manufacturer = s(Tag.manufacturer)
        manufacturerModelName = s(Tag.manufacturerModelName)
        protocolName = s(Tag.protocolName)
        bodyPartExamined = s(Tag.bodyPartExamined)
        convolutionKernel = ds.strings(Tag.convolutionKernel).joined(separator: "\\")
        contrastBolusAgent = s(Tag.contrastBolusAgent)
        hasContrastSequence = !ds.items(Tag.contrastBolusAgentSequence).isEmpty
        kvp = ds.double(Tag.kvp)
        exposure = ds.double(Tag.exposure)
        tubeCurrent = ds.double(Tag.xRayTubeCurrent)
        acquisitionTime = s(Tag.acquisitionTime)
        derivationDescription = s(Tag.derivationDescription)
        rows = ds.int(Tag.rows)
        columns = ds.int(Tag.columns)
        samplesPerPixel = ds.int(Tag.samplesPerPixel) ?? 1
        photometric = s(Tag.photometricInterpretation)
        bitsAllocated = ds.int(Tag.bitsAllocated)
        bitsStored = ds.int(Tag.bitsStored)
        pixelRepresentation = ds.int(Tag.pixelRepresentation) ?? 0
        frames = Swift.max(1, ds.int(Tag.numberOfFrames) ?? 1)
        hasPixelData = ds.contains(Tag.pixelData)

        // Enhanced multi-frame files keep geometry in functional group sequences.
        let shared = ds.items(Tag.sharedFunctionalGroups).first
        let perFrame = ds.items(Tag.perFrameFunctionalGroups)
        func fg(_ seq: DICOMTag, _ tag: DICOMTag, frame: DataSet?) -> [Double] {
            if let f = frame, let item = f.items(seq).first { let v = item.doubles(tag); if !v.isEmpty { return v } }
            if let sh = shared, let item = sh.items(seq).first { return item.doubles(tag) }
            return []
        }
        var ps = ds.doubles(Tag.pixelSpacing)
        if ps.count < 2 { ps = fg(Tag.pixelMeasuresSequence, Tag.pixelSpacing, frame: perFrame.first) }
        pixelSpacing = ps.count >= 2 && ps[0] > 0 && ps[1] > 0 ? (ps[0], ps[1]) : nil
        sliceThickness = ds.double(Tag.sliceThickness) ?? fg(Tag.pixelMeasuresSequence, Tag.sliceThickness, frame: perFrame.first).first
        spacingBetweenSlices = ds.double(Tag.spacingBetweenSlices) ?? fg(Tag.pixelMeasuresSequence, Tag.spacingBetweenSlices, frame: perFrame.first).first
        let ipp = ds.doubles(Tag.imagePositionPatient)
        imagePosition = ipp.count >= 3 ? SIMD3(ipp[0], ipp[1], ipp[2]) : nil
        var iop = ds.doubles(Tag.imageOrientationPatient)
        if iop.count < 6 { iop = fg(Tag.planeOrientationSequence, Tag.imageOrientationPatient, frame: perFrame.first) }
        imageOrientation = iop.count >= 6 ? Array(iop[0..<6]) : nil
        framePositions = []
        if perFrame.count == frames && frames > 1 {
            let pos = perFrame.map { fg(Tag.planePositionSequence, Tag.imagePositionPatient, frame: $0) }
            if pos.allSatisfy({ $0.count >= 3 }) { framePositions = pos.map { SIMD3($0[0], $0[1], $0[2]) } }
        }
        if imagePosition == nil, let f = framePositions.first { imagePosition = f }
        if imagePosition == nil, frames == 1, let f = perFrame.first {
            let v = fg(Tag.planePositionSequence, Tag.imagePositionPatient, frame: f)
            if v.count >= 3 { imagePosition = SIMD3(v[0], v[1], v[2]) }
        }
        gantryTilt = ds.double(Tag.gantryDetectorTilt)
        var slope = ds.double(Tag.rescaleSlope)
        var intercept = ds.double(Tag.rescaleIntercept)
        if slope == nil, let item = (perFrame.first?.items(Tag.pixelValueTransformationSequence).first
                                     ?? shared?.items(Tag.pixelValueTransformationSequence).first) {
            slope = item.double(Tag.rescaleSlope)
            intercept = item.double(Tag.rescaleIntercept)
        }
        rescaleSlope = (slope ?? 1) == 0 ? 1 : (slope ?? 1)
        rescaleIntercept = intercept ?? 0
        overlays = OverlayInfo.all(in: ds)
    }

    /// Reads just the header of a file (never its pixel data).
    public static func read(_ path: String) throws -> ImageInfo {
        let f = try DICOMFile.read(URL(fileURLWithPath: path), stopAtPixelData: true)
        return ImageInfo(dataSet: f.dataSet, transferSyntax: f.transferSyntax, path: path)
    }

    /// Unit normal of the image plane (row direction x column direction), LPS.
    public var sliceNormal: SIMD3<Double>? {
        guard let o = imageOrientation else { return nil }
        let r = SIMD3(o[0], o[1], o[2]), c = SIMD3(o[3], o[4], o[5])
        let n = SIMD3(r.y * c.z - r.z * c.y, r.z * c.x - r.x * c.z, r.x * c.y - r.y * c.x)
        let len = (n * n).sum().squareRoot()
        return len > 1e-6 ? n / len : nil
    }

    /// Is this a 2-D image with the attributes needed to place it in space?
    public var hasGeometry: Bool { imagePosition != nil && imageOrientation != nil && pixelSpacing != nil && sliceNormal != nil }
}
