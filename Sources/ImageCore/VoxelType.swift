/// A scalar type a volume can hold. Conversions go through Double so every supported type
/// (8 to 64-bit integers, Float32, Float64) can be read, scaled and written without special cases.
public protocol VoxelType: Sendable, Equatable, Comparable {
    static var zero: Self { get }
    /// Converts from Double, rounding to nearest and clamping to the type's range for integers.
    init(clampingDouble d: Double)
    var doubleValue: Double { get }
    /// Short type name used in messages and `info` output.
    static var typeName: String { get }
}

extension VoxelType where Self: BinaryInteger & FixedWidthInteger {
    public init(clampingDouble d: Double) {
        if d.isNaN { self = 0; return }
        let r = d.rounded()
        if r <= Double(Self.min) { self = .min } else if r >= Double(Self.max) { self = .max } else { self = Self(r) }
    }
    public var doubleValue: Double { Double(self) }
}

extension UInt8: VoxelType { public static var typeName: String { "uint8" } }
extension Int8: VoxelType { public static var typeName: String { "int8" } }
extension Int16: VoxelType { public static var typeName: String { "int16" } }
extension UInt16: VoxelType { public static var typeName: String { "uint16" } }
extension Int32: VoxelType { public static var typeName: String { "int32" } }
extension UInt32: VoxelType { public static var typeName: String { "uint32" } }
extension Int64: VoxelType { public static var typeName: String { "int64" } }
extension UInt64: VoxelType { public static var typeName: String { "uint64" } }
extension Float: VoxelType {
    public init(clampingDouble d: Double) { self = Float(d) }
    public var doubleValue: Double { Double(self) }
    public static var typeName: String { "float32" }
}
extension Double: VoxelType {
    public init(clampingDouble d: Double) { self = d }
    public var doubleValue: Double { self }
    public static var typeName: String { "float64" }
}
