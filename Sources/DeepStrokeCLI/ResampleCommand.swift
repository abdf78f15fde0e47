import ArgumentParser
import Foundation
import ImageCore
import NIfTI

struct ResampleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resample",
        abstract: "Resample a NIfTI image into a new grid (new voxel spacing, or another image's grid).",
        discussion: """
            --spacing keeps the first voxel centre, the orientation and the physical extent. --like takes \
            size, spacing, origin and orientation from REF (only its header is read). The output keeps the \
            input's datatype and scaling (integer results are rounded); vector images are resampled per \
            component. Voxels outside the input get --outside. label: each output voxel takes the label \
            with the largest trilinear weight among its 8 neighbours (never a new label); cubic: B-spline \
            with mirror boundary, as scipy's map_coordinates(order=3, mode='mirror').
            """)

    @Argument(help: "Input .nii or .nii.gz.")
    var input: String

    @Option(name: .shortAndLong, help: "Output .nii or .nii.gz (gzip when the name ends in .gz).")
    var output: String

    @Option(help: "New voxel spacing in mm, e.g. 1,1,1 (or one value for all axes).")
    var spacing: String?

    @Option(help: "Reference image whose grid the output takes.")
    var like: String?

    @Option(help: "nearest | linear | cubic | label")
    var interpolation: String = "linear"

    @Option(help: "Value for output voxels outside the input (in the image's units).")
    var outside: Double = 0

    @Option(help: "Threads (default: DEEPSTROKE_THREADS or all cores).")
    var threads: Int?

    func validate() throws {
        guard (spacing == nil) != (like == nil) else { throw ValidationError("give exactly one of --spacing and --like") }
        guard Interpolation(rawValue: interpolation) != nil else {
            throw ValidationError("--interpolation must be nearest, linear, cubic or label, not '\(interpolation)'")
        }
        if let t = threads, t < 1 { throw ValidationError("--threads must be >= 1") }
    }

    func run() throws {
        if let threads { Parallelism.threadCount = threads }
        let image = try NIfTIFile.read(URL(fileURLWithPath: input))
        let target = try targetGeometry(from: image.geometry)
        let resampler = Resampler(interpolation: Interpolation(rawValue: interpolation)!)
        // A slope of 1 and intercept of 0 change nothing; treating them as absent keeps the exact path.
        let scaling = image.header.scaling.flatMap { $0.slope == 1 && $0.intercept == 0 ? nil : $0 }
        var options = NIfTIWriteOptions(version: image.header.version, datatype: image.storedDatatype,
                                        scaling: scaling, description: image.header.descrip)
        if image.header.intentCode != 0 { options.intentCode = image.header.intentCode }
        let url = URL(fileURLWithPath: output)
        // Without scaling the stored values are resampled in their own type (nearest and label copy them
        // exactly); with scaling, the scaled values in Float32 and the writer stores them back.
        if scaling == nil {
            switch image.data {
            case .uint8(let a): try write(a, image, target, resampler, options, url)
            case .int8(let a): try write(a, image, target, resampler, options, url)
            case .int16(let a): try write(a, image, target, resampler, options, url)
            case .uint16(let a): try write(a, image, target, resampler, options, url)
            case .int32(let a): try write(a, image, target, resampler, options, url)
            case .uint32(let a): try write(a, image, target, resampler, options, url)
            case .int64(let a): try write(a, image, target, resampler, options, url)
            case .uint64(let a): try write(a, image, target, resampler, options, url)
            case .float32(let a): try write(a, image, target, resampler, options, url)
            case .float64(let a): try write(a, image, target, resampler, options, url)
            }
        } else {
            try write(image.volume(as: Float.self).data, image, target, resampler, options, url)
        }
    }

    private func write<T: VoxelType>(_ values: [T], _ image: NIfTIImage, _ target: Geometry, _ resampler: Resampler,
                                     _ options: NIfTIWriteOptions, _ url: URL) throws {
        var r = resampler
        r.outsideValue = outside
        let volume = try Volume(geometry: image.geometry, components: image.components, data: values)
        try NIfTIFile.write(try r.resample(volume, to: target), to: url, options: options)
    }

    private func targetGeometry(from geometry: Geometry) throws -> Geometry {
        if let like {
            let header = try NIfTIFile.readHeader(URL(fileURLWithPath: like))
            let size = SIMD3((1...3).map { $0 <= header.dim[0] ? header.dim[$0] : 1 })
            return try Geometry(size: size, affineRAS: header.bestAffine(file: like).affine)
        }
        let parts = spacing!.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.count == 1 || parts.count == 3, parts.allSatisfy({ $0 != nil && $0! > 0 && $0!.isFinite }) else {
            throw ValidationError("--spacing needs one or three positive numbers, e.g. 1,1,1")
        }
        let s = parts.count == 1 ? SIMD3(repeating: parts[0]!) : SIMD3(parts[0]!, parts[1]!, parts[2]!)
        return geometry.resampled(spacing: s)
    }
}
