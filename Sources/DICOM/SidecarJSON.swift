import Foundation

/// A BIDS-style JSON sidecar in the spirit of dcm2niix's: the key acquisition fields, plus how this
/// converter handled spacing, tilt and overlays, and every warning. No patient identifiers or UIDs.
public enum SidecarJSON {
    public static func make(group: SeriesGroup, volume: AssembledVolume) -> [String: Any] {
        let f = group.first
        var d: [String: Any] = [:]
        func set(_ k: String, _ v: Any?) {
            if let s = v as? String, s.isEmpty { return }
            if let v { d[k] = v }
        }
        set("Modality", f.modality)
        set("Manufacturer", f.manufacturer)
        set("ManufacturersModelName", f.manufacturerModelName)
        set("BodyPartExamined", f.bodyPartExamined)
        set("SeriesDescription", f.seriesDescription)
        set("ProtocolName", f.protocolName)
        set("ImageType", f.imageType.isEmpty ? nil : f.imageType)
        set("SeriesNumber", f.seriesNumber)
        set("AcquisitionNumber", f.acquisitionNumber)
        set("AcquisitionTime", f.acquisitionTime)
        set("SliceThickness", f.sliceThickness)
        set("SpacingBetweenSlicesDICOM", f.spacingBetweenSlices)
        let g = volume.data.geometry
        d["SliceSpacingMM"] = g.spacing.z
        d["PixelSpacingMM"] = [g.spacing.x, g.spacing.y]
        d["Dimensions"] = [g.size.x, g.size.y, g.size.z]
        set("ConvolutionKernel", f.convolutionKernel)
        set("KVP", f.kvp)
        set("XRayExposure", f.exposure)
        set("XRayTubeCurrent", f.tubeCurrent)
        set("ContrastBolusAgent", f.contrastBolusAgent)
        set("GantryDetectorTilt", f.gantryTilt)
        set("ImageOrientationPatientDICOM", f.imageOrientation)
        d["TransferSyntaxUID"] = f.transferSyntax.uid
        d["DataType"] = volume.data.typeName
        d["VoxelUnits"] = f.modality == "CT" ? "HU (RescaleSlope/RescaleIntercept applied)" : "rescaled stored values"
        d["Orientation"] = g.orientationCode
        d["AffineOrthogonal"] = g.isOrthogonal
        d["SliceSpacingHandling"] = volume.spacingHandling
        set("TiltHandling", volume.tiltHandling)
        if let r = volume.resampling {
            // Only when the grid is not simply the acquired slices: a uniform series stays as before.
            if r.interpolatedSlices > 0 || r.partsJoined > 1 {
                d["UniformResampling"] = [
                    "AcquiredSlices": r.acquiredSlices,
                    "PartsJoined": r.partsJoined,
                    "OutputSlices": r.outputSlices,
                    "SpacingMM": r.spacingMM,
                    "SpacingAlongNormalMM": r.spacingAlongNormalMM,
                    "LargestGapBridgedMM": r.largestGapBridgedMM,
                    "LargestAcquiredSliceOffsetMM": r.largestOffsetMM,
                    "ToleranceMM": r.toleranceMM,
                    "ExactSlices": r.exactSlices,
                    "InterpolatedSlices": r.interpolatedSlices,
                    "Interpolation": r.interpolation,
                    "AcquiredSliceGridIndex": r.acquiredGridIndex.map { ($0 * 1e4).rounded() / 1e4 },
                ] as [String: Any]
            }
            d["LargestGapBridgedMM"] = r.largestGapBridgedMM
        }
        d["Part"] = volume.part
        d["PartCount"] = volume.partCount
        d["SourceSlices"] = volume.slicePaths.count
        d["OverlaySlices"] = volume.overlaySlices
        d["Warnings"] = volume.warnings
        d["ConversionSoftware"] = "deepstroke"
        return d
    }

    public static func encode(_ d: [String: Any]) throws -> Data {
        try JSONSerialization.data(withJSONObject: d, options: [.prettyPrinted, .sortedKeys])
    }
}
