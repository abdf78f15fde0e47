import ImageCore

/// Voxels of a converted series in Hounsfield units (or the modality's rescaled unit): Int16 when
/// every value is an integer that fits (CT nearly always), Float32 otherwise.
public enum DICOMVolumeData: Sendable {
    case int16(Volume<Int16>)
    case float(Volume<Float>)

    public var geometry: Geometry {
        switch self {
        case .int16(let v): return v.geometry
        case .float(let v): return v.geometry
        }
    }

    public var asFloat: Volume<Float> {
        switch self {
        case .int16(let v): return v.converted(to: Float.self)
        case .float(let v): return v
        }
    }

    public var typeName: String {
        switch self {
        case .int16: return "int16"
        case .float: return "float32"
        }
    }
}

/// One assembled volume (a whole series, one uniformly spaced part of it from `VolumeAssembler.assemble`,
/// or one piece on a uniform grid from `VolumeAssembler.assembleWhole`) and how it was made.
public struct AssembledVolume: Sendable {
    public var data: DICOMVolumeData
    /// 1 where an overlay bit is set, on the same grid; nil when no slice has an overlay.
    public var overlay: Volume<UInt8>?
    public var overlaySlices: Int
    /// Source files in spatial slice order (a multi-frame file appears once per frame).
    public var slicePaths: [String]
    public var part: Int
    public var partCount: Int
    /// Slice spacing handling and gantry tilt handling, in words (also written to the sidecar).
    public var spacingHandling: String
    public var tiltHandling: String?
    public var gantryTilt: Double?
    public var warnings: [String]
    /// How the volume was put on a uniform grid by `VolumeAssembler.assembleWhole` (nil from `assemble`,
    /// whose parts are exact and never resampled).
    public var resampling: UniformResampling? = nil
}
