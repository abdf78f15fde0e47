import ImageCore

/// The NIfTI `datatype` codes this module reads and writes.
///
/// Complex types are not listed: nothing in a CT pipeline produces them, and refusing them with a clear
/// message beats silently reading half a complex number. RGB24 is read (as three planar uint8
/// components) because some viewers export overlays that way; it is never written.
public enum NIfTIDatatype: Int, CaseIterable, Sendable, CustomStringConvertible {
    case uint8 = 2
    case int16 = 4
    case int32 = 8
    case float32 = 16
    case float64 = 64
    case rgb24 = 128
    case int8 = 256
    case uint16 = 512
    case uint32 = 768
    case int64 = 1024
    case uint64 = 1280

    /// Bytes of one voxel on disk (all three channels for RGB24).
    public var bytesPerVoxel: Int {
        switch self {
        case .uint8, .int8: return 1
        case .int16, .uint16: return 2
        case .rgb24: return 3
        case .int32, .uint32, .float32: return 4
        case .int64, .uint64, .float64: return 8
        }
    }

    /// Bytes of one scalar, the unit that byte-swapping works on.
    public var bytesPerScalar: Int { self == .rgb24 ? 1 : bytesPerVoxel }

    public var bitpix: Int { bytesPerVoxel * 8 }

    /// numpy-style name, as nibabel prints it (`float32`, `int16`, ...).
    public var name: String {
        switch self {
        case .uint8: return "uint8"
        case .int8: return "int8"
        case .int16: return "int16"
        case .uint16: return "uint16"
        case .int32: return "int32"
        case .uint32: return "uint32"
        case .int64: return "int64"
        case .uint64: return "uint64"
        case .float32: return "float32"
        case .float64: return "float64"
        case .rgb24: return "rgb24"
        }
    }

    public var description: String { name }

    public init?(name: String) {
        guard let t = NIfTIDatatype.allCases.first(where: { $0.name == name.lowercased() }) else { return nil }
        self = t
    }

    /// The datatype that stores a Swift voxel type without loss; nil for types NIfTI cannot hold.
    public init?<T: VoxelType>(for type: T.Type) {
        switch type {
        case is UInt8.Type: self = .uint8
        case is Int8.Type: self = .int8
        case is Int16.Type: self = .int16
        case is UInt16.Type: self = .uint16
        case is Int32.Type: self = .int32
        case is UInt32.Type: self = .uint32
        case is Int64.Type: self = .int64
        case is UInt64.Type: self = .uint64
        case is Float.Type: self = .float32
        case is Double.Type: self = .float64
        default: return nil
        }
    }

    public var isFloatingPoint: Bool { self == .float32 || self == .float64 }
}
