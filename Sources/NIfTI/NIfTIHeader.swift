import ImageCore

/// Every field of a NIfTI-1 or NIfTI-2 header, in one version-neutral form.
///
/// Integers are held as `Int` and reals as `Double`, wide enough for both versions, so code above the
/// file boundary never cares which version a file was. Legacy ANALYZE fields that NIfTI declares unused
/// (`data_type`, `db_name`, `extents`, `session_error`, `regular`, `glmax`, `glmin`) are not kept.
public struct NIfTIHeader: Equatable, Sendable {
    /// Byte order of the file the header came from (files we write are always little-endian).
    public enum Endianness: String, Sendable { case little, big }

    /// 1 (348-byte header) or 2 (540-byte header).
    public var version: Int = 1
    public var endianness: Endianness = .little
    public var dimInfo: UInt8 = 0
    /// `dim[0]` is the number of dimensions (1...7); `dim[1...dim[0]]` the sizes. Always 8 entries.
    public var dim: [Int] = [3, 1, 1, 1, 1, 1, 1, 1]
    public var intentP1: Double = 0
    public var intentP2: Double = 0
    public var intentP3: Double = 0
    public var intentCode: Int = 0
    public var datatype: NIfTIDatatype = .float32
    public var bitpix: Int = 32
    public var sliceStart: Int = 0
    /// `pixdim[0]` is qfac (+1/-1), `pixdim[1...]` the voxel sizes. Always 8 entries.
    public var pixdim: [Double] = [1, 1, 1, 1, 1, 1, 1, 1]
    /// Byte offset of the voxel data in the file.
    public var voxOffset: Int = 352
    public var sclSlope: Double = 0
    public var sclInter: Double = 0
    public var sliceEnd: Int = 0
    public var sliceCode: Int = 0
    public var xyztUnits: Int = 0
    public var calMax: Double = 0
    public var calMin: Double = 0
    public var sliceDuration: Double = 0
    public var toffset: Double = 0
    public var descrip: String = ""
    public var auxFile: String = ""
    public var qformCode: Int = 0
    public var sformCode: Int = 0
    public var quaternB: Double = 0
    public var quaternC: Double = 0
    public var quaternD: Double = 0
    public var qoffsetX: Double = 0
    public var qoffsetY: Double = 0
    public var qoffsetZ: Double = 0
    /// Rows of the sform (index to RAS+), 4 entries each.
    public var srowX: [Double] = [0, 0, 0, 0]
    public var srowY: [Double] = [0, 0, 0, 0]
    public var srowZ: [Double] = [0, 0, 0, 0]
    public var intentName: String = ""

    public init() {}

    /// Size of the header on disk: 348 (NIfTI-1) or 540 (NIfTI-2).
    public var headerSize: Int { version == 2 ? 540 : 348 }

    /// Smallest legal `vox_offset` for a single file: header plus the 4-byte extension flag.
    public var minimumVoxOffset: Int { headerSize + 4 }

    /// Number of dimensions, `dim[0]`.
    public var dimensionCount: Int { dim[0] }

    /// Spatial grid size; missing trailing dimensions count as 1.
    public var spatialSize: SIMD3<Int> {
        SIMD3(dim[1], dimensionCount >= 2 ? dim[2] : 1, dimensionCount >= 3 ? dim[3] : 1)
    }

    /// Product of every dimension beyond the third (time points x vector components x ...).
    public var componentCount: Int {
        dimensionCount <= 3 ? 1 : (4...dimensionCount).reduce(1) { $0 * dim[$1] }
    }

    /// Scale factors as nibabel applies them: none when the slope is zero or not finite, or when they are
    /// the identity (1, 0). (A finite slope with a non-finite intercept is rejected when the header is
    /// decoded, as nibabel rejects it.)
    public var scaling: (slope: Double, intercept: Double)? {
        guard sclSlope != 0, sclSlope.isFinite, !(sclSlope == 1 && sclInter == 0) else { return nil }
        return (sclSlope, sclInter)
    }

    /// The sform rows as a matrix (index to RAS+).
    public var sformMatrix: Matrix4 {
        Matrix4(rowMajor: srowX + srowY + srowZ + [0, 0, 0, 1])
    }

    /// Sets the sform rows from an index-to-RAS+ matrix.
    public mutating func setSform(_ m: Matrix4, code: Int) {
        srowX = Array(m.m[0..<4])
        srowY = Array(m.m[4..<8])
        srowZ = Array(m.m[8..<12])
        sformCode = code
    }

    /// Name of the intent code for display (the common ones; others print as their number).
    public var intentDescription: String { NIfTIIntent.name(of: intentCode) }
}
