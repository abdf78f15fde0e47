import Foundation
import ImageCore

/// Writes a label map as a DICOM Segmentation object (SEG, BINARY): one segment per label value present,
/// one frame per (segment, slice) that holds any of it, every frame referencing the source slice it was
/// derived from, the whole object referencing the source series and sharing its Frame of Reference, so
/// a PACS viewer overlays it on the series it came from.
///
/// The label map must be on the source series' own grid (the grid `VolumeAssembler` gives): frame k of
/// the map is source slice k. Frames are laid out as the source images are, rows from the top of the
/// image (the volume's j reversed), so Image Position/Orientation per frame are exact also for tilted
/// (sheared) grids.
public struct SegmentationWriter {
    public static let segmentationStorage = "1.2.840.10008.5.1.4.1.1.66.4"

    /// A coded concept (value, scheme, meaning), as in a DICOM Code Sequence item.
    public struct Code: Sendable, Equatable {
        public var value: String
        public var scheme: String
        public var meaning: String
        public init(_ value: String, _ scheme: String, _ meaning: String) {
            self.value = value; self.scheme = scheme; self.meaning = meaning
        }
    }

    public struct Segment: Sendable {
        /// Voxel value of this segment in the label map.
        public var labelValue: UInt8
        public var label: String
        public var description: String
        public var category: Code
        public var type: Code
        public var typeModifier: Code?
        /// Recommended display colour, CIELab scaled to 0...65535 as DICOM stores it.
        public var cieLab: [Int]?
        public init(labelValue: UInt8, label: String, description: String, category: Code, type: Code,
                    typeModifier: Code? = nil, cieLab: [Int]? = nil) {
            self.labelValue = labelValue; self.label = label; self.description = description
            self.category = category; self.type = type; self.typeModifier = typeModifier; self.cieLab = cieLab
        }
    }

    public var seriesDescription = "ASPECTS regions"
    public var seriesNumber = 300
    public var contentLabel = "ASPECTS"
    public var contentDescription = "ASPECTS regions (research software, not for clinical use)"
    public var algorithmName = "DeepStroke"
    public var algorithmVersion = "0"
    /// CID 7162 algorithm family.
    public var algorithmFamily = Code("123111", "DCM", "Deformable Models")
    public var manufacturer = "DeepStroke"

    public init() {}

    public struct Output: Sendable {
        public var sopInstanceUID: String
        public var seriesInstanceUID: String
        public var segments: Int
        public var frames: Int
    }

    /// Writes the SEG for `labels` (on the source grid). Segments whose value does not occur are left out.
    public func write(labels: Volume<UInt8>, segments: [Segment], source: SourceSeries, to url: URL) throws -> Output {
        let g = labels.geometry
        let nx = g.size.x, ny = g.size.y, nz = g.size.z
        guard source.instances.count == nz else {
            throw DICOMError.invalidArgument("the label map has \(nz) slices but the source series \(source.instances.count) images; a SEG needs the source grid")
        }
        guard labels.components == 1, nx <= 65535, ny <= 65535 else {
            throw DICOMError.invalidArgument("the label map must be one volume with slices of at most 65535 pixels")
        }
        // Which (segment, slice) pairs hold voxels.
        var present = [[Bool]](repeating: [Bool](repeating: false, count: nz), count: 256)
        for k in 0..<nz {
            let base = k * nx * ny
            for n in base..<(base + nx * ny) { present[Int(labels.data[n])][k] = true }
        }
        let used = segments.filter { s in s.labelValue != 0 && present[Int(s.labelValue)].contains(true) }
        guard !used.isEmpty else { throw DICOMError.invalidArgument("the label map holds none of the segments; nothing to write") }

        let rowDir = normalized(g.direction[0]), colDir = normalized(-g.direction[1])
        let sopUID = UIDGenerator.make(), seriesUID = UIDGenerator.make(), dimensionUID = UIDGenerator.make()
        var ds = DataSetWriter()
        source.addDerivedHeader(to: &ds, DerivedObject(
            imageType: "DERIVED\\PRIMARY", sopClassUID: Self.segmentationStorage, sopInstanceUID: sopUID,
            seriesInstanceUID: seriesUID, seriesNumber: seriesNumber, instanceNumber: 1, modality: "SEG",
            manufacturer: manufacturer, seriesDescription: seriesDescription, softwareVersions: algorithmVersion,
            created: SourceSeries.timestamp()))
        ds.add(Tag.manufacturerModelName, .LO, algorithmName)
        ds.add(Tag.deviceSerialNumber, .LO, "1")
        ds.add(Tag.frameOfReferenceUID, .UI, source.frameOfReferenceUID)
        ds.add(Tag.positionReferenceIndicator, .LO, "")

        // Common Instance Reference: the source series and each of its instances.
        var refSeries = DataSetWriter()
        refSeries.add(Tag.seriesInstanceUID, .UI, source.seriesInstanceUID)
        var seen = Set<String>()
        var instanceItems: [DataSetWriter] = []
        for inst in source.instances where seen.insert(inst.sopInstanceUID).inserted {
            var r = DataSetWriter()
            r.add(Tag.referencedSOPClassUID, .UI, inst.sopClassUID)
            r.add(Tag.referencedSOPInstanceUID, .UI, inst.sopInstanceUID)
            instanceItems.append(r)
        }
        refSeries.addSequence(Tag.referencedInstanceSequence, items: instanceItems)
        ds.addSequence(Tag.referencedSeriesSequence, items: [refSeries])

        // Image pixel and segmentation image modules.
        ds.addUS(Tag.samplesPerPixel, [1])
        ds.add(Tag.photometricInterpretation, .CS, "MONOCHROME2")
        ds.addUS(Tag.rows, [ny])
        ds.addUS(Tag.columns, [nx])
        ds.addUS(Tag.bitsAllocated, [1])
        ds.addUS(Tag.bitsStored, [1])
        ds.addUS(Tag.highBit, [0])
        ds.addUS(Tag.pixelRepresentation, [0])
        ds.add(Tag.lossyImageCompression, .CS, "00")
        ds.add(Tag.segmentationType, .CS, "BINARY")
        ds.add(Tag.contentLabel, .CS, contentLabel)
        ds.add(Tag.contentDescription, .LO, contentDescription)
        ds.add(Tag.contentCreatorName, .PN, "")

        var segmentItems: [DataSetWriter] = []
        for (n, s) in used.enumerated() {
            var item = DataSetWriter()
            item.addSequence(Tag.segmentedPropertyCategoryCodeSequence, items: [codeItem(s.category)])
            item.addUS(Tag.segmentNumber, [n + 1])
            item.add(Tag.segmentLabel, .LO, s.label)
            item.add(Tag.segmentDescription, .ST, s.description)
            var algorithm = DataSetWriter()
            algorithm.addSequence(Tag.algorithmFamilyCodeSequence, items: [codeItem(algorithmFamily)])
            algorithm.add(Tag.algorithmVersion, .LO, algorithmVersion)
            algorithm.add(Tag.algorithmName, .LO, algorithmName)
            item.addSequence(Tag.segmentationAlgorithmIdentificationSequence, items: [algorithm])
            item.add(Tag.segmentAlgorithmType, .CS, "AUTOMATIC")
            item.add(Tag.segmentAlgorithmName, .LO, algorithmName)
            if let lab = s.cieLab, lab.count == 3 { item.addUS(Tag.recommendedDisplayCIELabValue, lab) }
            var type = codeItem(s.type)
            if let m = s.typeModifier { type.addSequence(Tag.segmentedPropertyTypeModifierCodeSequence, items: [codeItem(m)]) }
            item.addSequence(Tag.segmentedPropertyTypeCodeSequence, items: [type])
            segmentItems.append(item)
        }
        ds.addSequence(Tag.segmentSequence, items: segmentItems)

        // Dimensions: segment number, then position.
        var org = DataSetWriter()
        org.add(Tag.dimensionOrganizationUID, .UI, dimensionUID)
        ds.addSequence(Tag.dimensionOrganizationSequence, items: [org])
        ds.add(Tag.dimensionOrganizationType, .CS, "3D")
        func dimension(_ pointer: DICOMTag, _ group: DICOMTag, _ label: String) -> DataSetWriter {
            var d = DataSetWriter()
            d.add(Tag.dimensionOrganizationUID, .UI, dimensionUID)
            d.add(Tag.dimensionIndexPointer, .AT, bytes: Self.at(pointer))
            d.add(Tag.functionalGroupPointer, .AT, bytes: Self.at(group))
            d.add(Tag.dimensionDescriptionLabel, .LO, label)
            return d
        }
        ds.addSequence(Tag.dimensionIndexSequence, items: [
            dimension(Tag.referencedSegmentNumber, Tag.segmentIdentificationSequence, "ReferencedSegmentNumber"),
            dimension(Tag.imagePositionPatient, Tag.planePositionSequence, "ImagePositionPatient"),
        ])

        // Shared functional groups: spacing and orientation.
        var measures = DataSetWriter()
        measures.add(Tag.sliceThickness, .DS, numbers: [g.spacing.z])
        measures.add(Tag.spacingBetweenSlices, .DS, numbers: [g.spacing.z])
        measures.add(Tag.pixelSpacing, .DS, numbers: [g.spacing.y, g.spacing.x])
        var orientation = DataSetWriter()
        orientation.add(Tag.imageOrientationPatient, .DS, numbers: [rowDir.x, rowDir.y, rowDir.z, colDir.x, colDir.y, colDir.z])
        var shared = DataSetWriter()
        shared.addSequence(Tag.pixelMeasuresSequence, items: [measures])
        shared.addSequence(Tag.planeOrientationSequence, items: [orientation])
        ds.addSequence(Tag.sharedFunctionalGroups, items: [shared])
        let frameBits = nx * ny
        var frames: [(segment: Int, k: Int)] = []
        for (n, s) in used.enumerated() { for k in 0..<nz where present[Int(s.labelValue)][k] { frames.append((n, k)) } }
        var frameOfInstance: [Int] = []
        var occurrences: [String: Int] = [:]
        for inst in source.instances {
            occurrences[inst.sopInstanceUID, default: 0] += 1
            frameOfInstance.append(occurrences[inst.sopInstanceUID]!)
        }
        var pixels = [UInt8](repeating: 0, count: (frames.count * frameBits + 7) / 8)
        var perFrame: [DataSetWriter] = []
        for (f, fr) in frames.enumerated() {
            let value = used[fr.segment].labelValue
            let k = fr.k
            let start = f * frameBits
            for r in 0..<ny {
                let j = ny - 1 - r
                let row = (k * ny + j) * nx
                for c in 0..<nx where labels.data[row + c] == value {
                    let bit = start + r * nx + c
                    pixels[bit >> 3] |= 1 << UInt8(bit & 7)
                }
            }
            let inst = source.instances[k]
            var src = DataSetWriter()
            src.add(Tag.referencedSOPClassUID, .UI, inst.sopClassUID)
            src.add(Tag.referencedSOPInstanceUID, .UI, inst.sopInstanceUID)
            if occurrences[inst.sopInstanceUID]! > 1 { src.add(Tag.referencedFrameNumber, .IS, String(frameOfInstance[k])) }
            src.addSequence(Tag.purposeOfReferenceCodeSequence, items: [codeItem(Code("121322", "DCM", "Source image for image processing operation"))])
            var derivation = DataSetWriter()
            derivation.addSequence(Tag.derivationCodeSequence, items: [codeItem(Code("113076", "DCM", "Segmentation"))])
            derivation.addSequence(Tag.sourceImageSequence, items: [src])
            var content = DataSetWriter()
            content.add(Tag.dimensionIndexValues, .UL, bytes: Self.ul([fr.segment + 1, k + 1]))
            var position = DataSetWriter()
            let ipp = g.worldLPS(SIMD3(0, Double(ny - 1), Double(k)))
            position.add(Tag.imagePositionPatient, .DS, numbers: [ipp.x, ipp.y, ipp.z])
            var ident = DataSetWriter()
            ident.addUS(Tag.referencedSegmentNumber, [fr.segment + 1])
            var item = DataSetWriter()
            item.addSequence(Tag.derivationImageSequence, items: [derivation])
            item.addSequence(Tag.frameContentSequence, items: [content])
            item.addSequence(Tag.planePositionSequence, items: [position])
            item.addSequence(Tag.segmentIdentificationSequence, items: [ident])
            perFrame.append(item)
        }
        ds.add(Tag.numberOfFrames, .IS, String(frames.count))
        ds.addSequence(Tag.perFrameFunctionalGroups, items: perFrame)
        ds.add(Tag.pixelData, .OB, bytes: pixels)

        let bytes = DataSetWriter.part10(dataSet: ds, sopClassUID: Self.segmentationStorage, sopInstanceUID: sopUID, syntax: .explicitLittle)
        try AtomicFile.write(Data(bytes), to: url)
        return Output(sopInstanceUID: sopUID, seriesInstanceUID: seriesUID, segments: used.count, frames: frames.count)
    }

    func codeItem(_ c: Code) -> DataSetWriter {
        var d = DataSetWriter()
        d.add(Tag.codeValue, .SH, c.value)
        d.add(Tag.codingSchemeDesignator, .SH, c.scheme)
        d.add(Tag.codeMeaning, .LO, c.meaning)
        return d
    }

    static func at(_ t: DICOMTag) -> [UInt8] {
        [UInt8(t.group & 0xFF), UInt8(t.group >> 8), UInt8(t.element & 0xFF), UInt8(t.element >> 8)]
    }

    static func ul(_ values: [Int]) -> [UInt8] {
        values.flatMap { v -> [UInt8] in
            let u = UInt32(truncatingIfNeeded: v)
            return [UInt8(u & 0xFF), UInt8((u >> 8) & 0xFF), UInt8((u >> 16) & 0xFF), UInt8(u >> 24)]
        }
    }

    func normalized(_ v: SIMD3<Double>) -> SIMD3<Double> {
        let n = (v * v).sum().squareRoot()
        return n > 0 ? v / n : v
    }
}
