import Foundation
import ImageCore

extension NIfTIHeader {
    /// The spatial grid the header describes (first three dimensions, nibabel's best affine), for when
    /// only another image's grid is wanted and its voxels need not be read (`resample --like`,
    /// `apply --reference`).
    public func grid(file: String = "") throws -> Geometry {
        let size = SIMD3((1...3).map { $0 <= dim[0] ? dim[$0] : 1 })
        return try Geometry(size: size, affineRAS: bestAffine(file: file).affine)
    }
}

extension NIfTIImage {
    /// Resamples the image onto `target` and writes it to `url` as the same kind of file: the stored
    /// datatype, scaling, description, intent and NIfTI version are kept, so a label map stays a label
    /// map and a scaled int16 CT stays a scaled int16 CT.
    ///
    /// Without scaling the stored values are resampled in their own type (nearest and label copy them
    /// exactly; integer results of the other methods are rounded); with scaling, the scaled values in
    /// Float32, and the writer stores them back through the same slope and intercept. Vector images
    /// are resampled per component.
    public func writeResampled(onto target: Geometry, with resampler: Resampler, to url: URL) throws {
        // A slope of 1 and intercept of 0 change nothing; treating them as absent keeps the exact path.
        let scaling = header.scaling.flatMap { $0.slope == 1 && $0.intercept == 0 ? nil : $0 }
        var options = NIfTIWriteOptions(version: header.version, datatype: storedDatatype,
                                        scaling: scaling, description: header.descrip)
        if header.intentCode != 0 { options.intentCode = header.intentCode }
        let writer = ResampledWriter(geometry: geometry, components: components, target: target,
                                     resampler: resampler, options: options, url: url)
        if scaling == nil {
            try data.visit(writer)
        } else {
            try writer.visit(volume(as: Float.self).data)
        }
    }
}

/// Resamples one typed array and writes it (the per-type body of `writeResampled`).
private struct ResampledWriter: NIfTIVoxelVisitor {
    let geometry: Geometry
    let components: Int
    let target: Geometry
    let resampler: Resampler
    let options: NIfTIWriteOptions
    let url: URL

    func visit<S: VoxelType>(_ values: [S]) throws {
        let volume = try Volume(geometry: geometry, components: components, data: values)
        try NIfTIFile.write(try resampler.resample(volume, to: target), to: url, options: options)
    }
}
