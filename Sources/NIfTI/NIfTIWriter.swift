import Foundation
import ImageCore

/// Builds the header for a volume, converts the voxels to the stored type when needed, and writes
/// header and data through `AtomicFile`, plain or gzip.
enum NIfTIWriter {
    /// - Parameters:
    ///   - storedAsIs: the values already are the stored values; `options.scaling` only goes into the
    ///     header (used when re-writing an image read from a file).
    ///   - transformsFrom: a header whose sform, qform and voxel sizes are copied field for field instead
    ///     of being derived from the geometry, so re-writing a file reproduces its affine bit for bit.
    static func write<T: VoxelType>(_ volume: Volume<T>, to url: URL, options: NIfTIWriteOptions,
                                    storedAsIs: Bool = false, transformsFrom: NIfTIHeader? = nil) throws {
        let path = url.path
        guard hostIsLittleEndian else { throw NIfTIError(.unsupported, file: path, problem: "writing on a big-endian machine") }
        guard options.version == 1 || options.version == 2 else {
            throw NIfTIError(.unsupported, file: path, problem: "NIfTI version \(options.version); use 1 or 2")
        }
        guard let target = options.datatype ?? NIfTIDatatype(for: T.self) else {
            throw NIfTIError(.unsupported, file: path, problem: "voxel type \(T.typeName) has no NIfTI datatype")
        }
        guard target != .rgb24 else { throw NIfTIError(.unsupported, file: path, problem: "writing RGB24; write a 3-component uint8 volume instead") }
        if let s = options.scaling, !(s.slope.isFinite && s.slope != 0 && s.intercept.isFinite) {
            throw NIfTIError(.unsupported, file: path, problem: "scaling slope \(s.slope), intercept \(s.intercept): the slope must be finite and non-zero, the intercept finite")
        }
        guard (1...12).contains(options.compressionLevel) else {
            throw NIfTIError(.unsupported, file: path, problem: "gzip level \(options.compressionLevel); use 1 to 12")
        }
        let affine = volume.geometry.affineRAS
        guard affine.isFinite else {
            throw NIfTIError(.invalidAffine, file: path, problem: "the volume's affine contains NaN or infinite values")
        }
        var header = try makeHeader(volume, affine: affine, datatype: target, options: options, file: path)
        if let src = transformsFrom {
            (header.srowX, header.srowY, header.srowZ, header.sformCode) = (src.srowX, src.srowY, src.srowZ, src.sformCode)
            (header.quaternB, header.quaternC, header.quaternD) = (src.quaternB, src.quaternC, src.quaternD)
            (header.qoffsetX, header.qoffsetY, header.qoffsetZ, header.qformCode) = (src.qoffsetX, src.qoffsetY, src.qoffsetZ, src.qformCode)
            header.pixdim.replaceSubrange(0...3, with: src.pixdim[0...3])
            if src.spatialSize == volume.geometry.size && src.componentCount == volume.components {
                header.dim = src.dim  // keep the layout of the 4th..7th dimensions (and their steps)
                header.pixdim.replaceSubrange(4...7, with: src.pixdim[4...7])
            }
        }
        if header.version == 1, let big = header.dim.first(where: { $0 > Int(Int16.max) }) {
            throw NIfTIError(.unsupported, file: path, problem: "a dimension of \(big) does not fit NIfTI-1 (max 32767); write NIfTI-2")
        }
        let compress = options.compressed ?? (url.pathExtension.lowercased() == "gz")

        let headerBytes = header.encode()
        let scaling: VoxelScaling = storedAsIs ? .none : (options.scaling.map { .inverse(slope: $0.slope, intercept: $0.intercept) } ?? .none)
        try withStoredBytes(volume.data, as: target, scaling: scaling) { payload in
            try AtomicFile.write(to: url) { tmp in
                let fd = open(tmp.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
                guard fd >= 0 else { throw NIfTIError(.io, file: path, problem: "cannot create \(tmp.path): \(String(cString: strerror(errno)))") }
                var closed = false
                defer { if !closed { close(fd) } }
                try headerBytes.withUnsafeBytes { head in
                    if compress {
                        try WholeBufferGzip.write(header: head, payload: payload, to: fd, level: options.compressionLevel, path: path)
                    } else {
                        try FileDescriptor.writeAll(fd, head.baseAddress!, head.count, path: path)
                        try FileDescriptor.writeAll(fd, payload.baseAddress!, payload.count, path: path)
                    }
                }
                closed = true
                guard close(fd) == 0 else { throw NIfTIError(.io, file: path, problem: "closing failed: \(String(cString: strerror(errno)))") }
            }
        }
    }

    static func makeHeader<T>(_ volume: Volume<T>, affine: Matrix4, datatype: NIfTIDatatype,
                              options: NIfTIWriteOptions, file: String) throws -> NIfTIHeader {
        var h = NIfTIHeader()
        h.version = options.version
        h.datatype = datatype
        h.bitpix = datatype.bitpix
        let size = volume.geometry.size
        let c = volume.components
        let intent = options.intentCode ?? (c == 3 ? NIfTIIntent.vector : NIfTIIntent.none)
        if c == 1 {
            h.dim = [3, size.x, size.y, size.z, 1, 1, 1, 1]
        } else if intent == NIfTIIntent.vector {
            h.dim = [5, size.x, size.y, size.z, 1, c, 1, 1]
        } else {
            h.dim = [4, size.x, size.y, size.z, c, 1, 1, 1]
        }
        h.intentCode = intent
        h.intentName = options.intentName
        (h.intentP1, h.intentP2, h.intentP3) = options.intentParameters
        h.setTransforms(affineRAS: affine, qformCode: options.qformCode, sformCode: options.sformCode)
        h.voxOffset = h.minimumVoxOffset
        if let s = options.scaling {
            h.sclSlope = s.slope
            h.sclInter = s.intercept
        } else {
            h.sclSlope = 1
            h.sclInter = 0
        }
        h.xyztUnits = 2 | 8  // millimetres, seconds
        h.descrip = options.description
        return h
    }
}

/// Hands `body` the bytes to store: the volume's own buffer when the type already matches (no copy),
/// otherwise a converted temporary array.
private func withStoredBytes<T: VoxelType>(_ values: [T], as target: NIfTIDatatype, scaling: VoxelScaling,
                                           _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
    if case .none = scaling, NIfTIDatatype(for: T.self) == target {
        try values.withUnsafeBytes(body)
        return
    }
    func convert<S: VoxelType>(_: S.Type) throws {
        try convertVoxels(values, to: S.self, scaling: scaling).withUnsafeBytes(body)
    }
    switch target {
    case .uint8, .rgb24: try convert(UInt8.self)
    case .int8: try convert(Int8.self)
    case .int16: try convert(Int16.self)
    case .uint16: try convert(UInt16.self)
    case .int32: try convert(Int32.self)
    case .uint32: try convert(UInt32.self)
    case .int64: try convert(Int64.self)
    case .uint64: try convert(UInt64.self)
    case .float32: try convert(Float.self)
    case .float64: try convert(Double.self)
    }
}
