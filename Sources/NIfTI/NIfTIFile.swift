import Foundation
import ImageCore

/// Reading and writing NIfTI-1 and NIfTI-2 single files (.nii, .nii.gz).
///
/// World coordinates leave this type in LPS (`Geometry`); the file's RAS+ affine is converted here and
/// nowhere else. Transform choice follows nibabel: sform if its code is set, else qform, else pixdim.
public enum NIfTIFile {
    /// Header only: cheap (reads the header and skips any extensions; no voxel data).
    public static func readHeader(_ url: URL) throws -> NIfTIHeader {
        try NIfTIReader(url: url).header
    }

    /// Header, stored voxel values (any datatype) and geometry.
    public static func read(_ url: URL) throws -> NIfTIImage {
        let reader = try NIfTIReader(url: url)
        let g = try reader.geometry()
        let (data, components) = try reader.readData()
        return NIfTIImage(header: reader.header, data: data, geometry: g.geometry, affineRAS: g.affineRAS,
                          affineSource: g.source, components: components, compressed: reader.source.isCompressed)
    }

    /// The image as a volume of `T`: scl_slope/scl_inter applied when the slope is finite and non-zero
    /// (as nibabel does), then converted (integers rounded and clamped). Vector images (4-D, or 5-D
    /// displacement fields) come back with `components` > 1.
    public static func readVolume<T: VoxelType>(_ url: URL, as type: T.Type = T.self) throws -> Volume<T> {
        let reader = try NIfTIReader(url: url)
        let g = try reader.geometry()
        let h = reader.header
        if h.scaling == nil, let stored = NIfTIDatatype(for: T.self), stored == h.datatype {
            // The common case (float32 file read as Float): inflate straight into the volume's buffer.
            let values = try reader.readArray(T.self, count: reader.elementCount)
            return try Volume(geometry: g.geometry, components: h.componentCount, data: values)
        }
        let (data, components) = try reader.readData()
        return NIfTIImage(header: h, data: data, geometry: g.geometry, affineRAS: g.affineRAS, affineSource: g.source,
                          components: components, compressed: reader.source.isCompressed).volume(as: T.self)
    }

    /// Writes a volume atomically (temporary file + rename): gzip when the name ends in .gz. The stored
    /// type is the voxel type unless `options.datatype` says otherwise; both sform (exact) and qform
    /// (closest rigid) are written. 3-component volumes are written 5-D with intent "vector" (1007),
    /// the layout ITK and ANTs use for displacement fields.
    public static func write<T: VoxelType>(_ volume: Volume<T>, to url: URL, options: NIfTIWriteOptions = NIfTIWriteOptions()) throws {
        try NIfTIWriter.write(volume, to: url, options: options)
    }

    /// Writes an image read earlier with its stored type, scaling, intent, description and transforms
    /// (copied field for field, so nibabel sees the identical affine); `version` and `datatype` may change
    /// (a new datatype stores the scaled values, without scaling).
    public static func write(_ image: NIfTIImage, to url: URL, version: Int? = nil, datatype: NIfTIDatatype? = nil) throws {
        let h = image.header
        var options = NIfTIWriteOptions(version: version ?? h.version)
        options.description = h.descrip
        options.intentCode = h.intentCode
        options.intentName = h.intentName
        options.intentParameters = (h.intentP1, h.intentP2, h.intentP3)
        if datatype == nil || datatype == image.storedDatatype {
            options.datatype = image.storedDatatype
            options.scaling = h.scaling
            try image.data.visit(RawImageWriter(image: image, url: url, options: options))
        } else {
            options.datatype = datatype
            try NIfTIWriter.write(image.volume(as: Double.self), to: url, options: options, transformsFrom: h)
        }
    }
}

/// Writes an image's stored array as it is (no scaling round trip), keeping its affine.
private struct RawImageWriter: NIfTIVoxelVisitor {
    let image: NIfTIImage
    let url: URL
    let options: NIfTIWriteOptions

    func visit<S: VoxelType>(_ values: [S]) throws {
        let volume = try Volume(geometry: image.geometry, components: image.components, data: values)
        try NIfTIWriter.write(volume, to: url, options: options, storedAsIs: true, transformsFrom: image.header)
    }
}
