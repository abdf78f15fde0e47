import Foundation
import ImageCore

/// Stacks the slices of a series into volumes with exact world geometry.
///
/// Voxel order follows dcm2niix so outputs can be compared with it: i = DICOM columns, j = DICOM rows
/// reversed, k = slices in spatial order along the normal (axial CT is LAS). Every voxel centre is
/// where ImagePositionPatient puts it: the k axis is the mean step between slice positions, which
/// for a gantry-tilted series is not perpendicular to the image plane (a sheared grid, kept as
/// acquired, no interpolation). Non-uniform spacing, duplicates and gaps split the series into
/// uniformly spaced parts, each exact.
public enum VolumeAssembler {
    public struct Options: Sendable {
        /// Always write Float32 (otherwise Int16 when every value is an integer in range).
        public var forceFloat = false
        public init(forceFloat: Bool = false) { self.forceFloat = forceFloat }
    }

    public static func assemble(_ group: SeriesGroup, options: Options = Options()) throws -> [AssembledVolume] {
        let first = group.first
        let (rows, cols) = try imageSize(group)
        var warnings: [String] = []

        // Geometry of the image plane.
        let hasGeometry = group.images.allSatisfy { $0.hasGeometry }
        var rowDir = SIMD3<Double>(1, 0, 0), colDir = SIMD3<Double>(0, 1, 0)
        var normal = SIMD3<Double>(0, 0, 1)
        var ps = (row: 1.0, column: 1.0)
        if hasGeometry, let iop = first.imageOrientation, let n = first.sliceNormal, let p = first.pixelSpacing {
            rowDir = SIMD3(iop[0], iop[1], iop[2]); rowDir /= SliceLayout.norm(rowDir)
            colDir = SIMD3(iop[3], iop[4], iop[5]); colDir /= SliceLayout.norm(colDir)
            normal = n
            ps = p
        } else {
            warnings.append("no ImagePositionPatient/ImageOrientationPatient/PixelSpacing: voxel grid written with a default affine (position unknown)")
            if let p = first.pixelSpacing { ps = p }
        }

        let slices = collectSlices(group, normal: normal, hasGeometry: hasGeometry, warnings: &warnings)
        let sorted = hasGeometry ? SliceLayout.sort(slices) : slices
        // Slices sharing a position (repeated acquisitions) go to separate layers, each then cut into runs.
        let layers = SliceLayout.layers(sorted) { ref in
            let img = group.images[ref.image]
            return [img.acquisitionNumber ?? 0, img.instanceNumber ?? 0, ref.frame]
        }
        if layers.count > 1 {
            warnings.append("\(layers.count) slices share each of some positions (repeated acquisitions): written as separate volumes")
        }
        var runs: [SliceLayout.Run] = []
        var notes: [String] = []
        for layer in layers {
            let r = SliceLayout.runs(layer)
            notes += SliceLayout.describeBreaks(r)
            runs += r
        }
        warnings += notes
        let spacingHandling: String
        if runs.count == 1 {
            spacingHandling = runs[0].slices.count > 1 ? "uniform" : "single slice"
        } else {
            spacingHandling = "split into \(runs.count) uniformly spaced parts (no interpolation): "
                + (notes + (layers.count > 1 ? ["\(layers.count) repetitions of the same positions"] : [])).joined(separator: "; ")
        }

        // Rescale: Int16 output when every slope is 1 and every intercept an integer.
        let integral = !options.forceFloat && group.images.allSatisfy {
            $0.rescaleSlope == 1 && abs($0.rescaleIntercept) < 1e6 && $0.rescaleIntercept == $0.rescaleIntercept.rounded()
        }

        let tilt = first.gantryTilt
        var out: [AssembledVolume] = []
        for (partIndex, run) in runs.enumerated() {
            let nk = run.slices.count
            let p0 = run.slices[0].position
            var kDir = normal
            var kSpacing = first.spacingBetweenSlices ?? first.sliceThickness ?? 1
            if let step = run.step {
                kSpacing = SliceLayout.norm(step)
                kDir = step / kSpacing
            }
            if kSpacing <= 0 || !kSpacing.isFinite { kSpacing = 1 }
            let geometry: Geometry
            if hasGeometry {
                let origin = p0 + colDir * (Double(rows - 1) * ps.row)
                geometry = Geometry(size: SIMD3(cols, rows, nk), spacing: SIMD3(ps.column, ps.row, kSpacing),
                                    origin: origin, direction: [rowDir, -colDir, kDir])
            } else {
                // dcm2niix's convention for files without geometry: rows not flipped, RAS diag(1, -1, 1).
                geometry = Geometry(size: SIMD3(cols, rows, nk), spacing: SIMD3(ps.column, ps.row, kSpacing),
                                    origin: .zero, direction: [SIMD3(-1, 0, 0), SIMD3(0, 1, 0), SIMD3(0, 0, 1)])
            }
            var tiltHandling: String? = nil
            let cosAngle = abs((kDir * normal).sum())
            if nk > 1 && cosAngle < 1 - 1e-6 {
                let deg = acos(min(1, cosAngle)) * 180 / .pi
                tiltHandling = String(format: "kept acquired voxels with the exact sheared affine from ImagePositionPatient (slice axis %.3f° off the image normal%@); no resampling", deg,
                                      tilt.map { String(format: ", GantryDetectorTilt %.2f°", $0) } ?? "")
            }
            let partWarnings = run.slices.count < 3 && runs.count > 1 ? ["part \(partIndex + 1) has only \(run.slices.count) slice(s)"] : []
            let (data, overlay, overlaySlices) = try readVoxels(group, run: run, geometry: geometry, flipRows: hasGeometry, integral: integral)
            out.append(AssembledVolume(data: data, overlay: overlay, overlaySlices: overlaySlices,
                                       slicePaths: run.slices.map { group.images[$0.image].path },
                                       part: partIndex + 1, partCount: runs.count, spacingHandling: spacingHandling,
                                       tiltHandling: tiltHandling, gantryTilt: tilt, warnings: warnings + partWarnings))
        }
        return out
    }

    /// Rows and columns of a greyscale series whose images all share them; the errors name the file.
    static func imageSize(_ group: SeriesGroup) throws -> (rows: Int, columns: Int) {
        let first = group.first
        guard first.hasPixelData, let rows = first.rows, let cols = first.columns else {
            throw DICOMError.notAnImage(file: first.path, problem: "no image (\(first.modality.isEmpty ? "unknown object" : first.modality) without Rows/Columns/Pixel Data)")
        }
        guard first.samplesPerPixel == 1 else {
            throw DICOMError.unsupported(file: first.path, problem: "colour (\(first.photometric)) images are not converted; only greyscale volumes are")
        }
        for img in group.images where img.rows != rows || img.columns != cols || img.samplesPerPixel != 1 {
            throw DICOMError.assembly(series: group.label, problem: "\(img.path) is \(img.columns ?? 0)x\(img.rows ?? 0), the series is \(cols)x\(rows)")
        }
        return (rows, cols)
    }

    /// The series' slices: one per single-frame file, one per frame of a multi-frame file, placed by
    /// their positions (or stacked along z when the series has no geometry); a second file of the same
    /// SOP instance is left out.
    static func collectSlices(_ group: SeriesGroup, normal: SIMD3<Double>, hasGeometry: Bool, warnings: inout [String]) -> [SliceRef] {
        var slices: [SliceRef] = []
        var seen = Set<String>()
        var duplicates = 0
        for (n, img) in group.images.enumerated() {
            if !img.sopInstanceUID.isEmpty && !seen.insert(img.sopInstanceUID).inserted { duplicates += 1; continue }
            for f in 0..<img.frames {
                var pos: SIMD3<Double>
                if hasGeometry {
                    if !img.framePositions.isEmpty { pos = img.framePositions[f] } else {
                        let step = img.spacingBetweenSlices ?? img.sliceThickness ?? 1
                        pos = img.imagePosition! + normal * (Double(f) * step)
                        if f == 1 { warnings.append("multi-frame file without per-frame positions: frames placed every \(step) mm along the normal") }
                    }
                } else {
                    pos = SIMD3(0, 0, Double(slices.count) * (img.spacingBetweenSlices ?? img.sliceThickness ?? 1))
                }
                slices.append(SliceRef(image: n, frame: f, position: pos, along: (pos * normal).sum()))
            }
        }
        if duplicates > 0 { warnings.append("\(duplicates) duplicate file(s) of the same SOP instance ignored") }
        return slices
    }

    /// Decodes every slice of a run into the output grid, in parallel over files.
    static func readVoxels(_ group: SeriesGroup, run: SliceLayout.Run, geometry: Geometry, flipRows: Bool,
                           integral: Bool) throws -> (DICOMVolumeData, Volume<UInt8>?, Int) {
        let rows = geometry.size.y, cols = geometry.size.x
        let plane = rows * cols
        // Slices grouped by file so a multi-frame file is parsed once.
        var byFile: [Int: [(k: Int, frame: Int)]] = [:]
        for (k, s) in run.slices.enumerated() { byFile[s.image, default: []].append((k, s.frame)) }
        let files = byFile.keys.sorted()
        let hasOverlays = run.slices.contains { !group.images[$0.image].overlays.isEmpty }

        var ints = integral ? [Int16](repeating: 0, count: geometry.voxelCount) : []
        var floats = integral ? [] : [Float](repeating: 0, count: geometry.voxelCount)
        var mask = hasOverlays ? [UInt8](repeating: 0, count: geometry.voxelCount) : []
        var errors = [Error?](repeating: nil, count: files.count)
        var overflow = [Bool](repeating: false, count: files.count)
        var overlayCounts = [Int](repeating: 0, count: files.count)

        ints.withUnsafeMutableBufferPointer { ib in
        floats.withUnsafeMutableBufferPointer { fb in
        mask.withUnsafeMutableBufferPointer { mb in
        errors.withUnsafeMutableBufferPointer { eb in
        overflow.withUnsafeMutableBufferPointer { ob in
        overlayCounts.withUnsafeMutableBufferPointer { cb in
            let (iOut, fOut, mOut, eOut, oOut, cOut) = (ib, fb, mb, eb, ob, cb)
            parallelFor(files.count) { fi in
                let imgIndex = files[fi]
                let info = group.images[imgIndex]
                do {
                    let file = try DICOMFile.read(URL(fileURLWithPath: info.path))
                    let reader = try PixelDataReader(file: file)
                    let fmt = reader.format
                    guard fmt.rows == rows, fmt.columns == cols else {
                        throw DICOMError.assembly(series: group.label, problem: "\(info.path) changed size between index and read")
                    }
                    let slope = info.rescaleSlope, intercept = info.rescaleIntercept
                    let iIntercept = Int32(clamping: Int64(intercept))
                    for (k, frame) in byFile[imgIndex]! {
                        let raw = try reader.rawFrame(frame)
                        let base = k * plane
                        for r in 0..<rows {
                            let dstRow = base + (flipRows ? rows - 1 - r : r) * cols
                            let srcRow = r * cols
                            if integral {
                                for c in 0..<cols {
                                    let v = fmt.storedValue(raw[srcRow + c]) &+ iIntercept
                                    if v < Int32(Int16.min) || v > Int32(Int16.max) { oOut[fi] = true }
                                    iOut[dstRow + c] = Int16(truncatingIfNeeded: v)
                                }
                            } else {
                                for c in 0..<cols {
                                    fOut[dstRow + c] = Float(Double(fmt.storedValue(raw[srcRow + c])) * slope + intercept)
                                }
                            }
                        }
                        if !info.overlays.isEmpty {
                            var m = [UInt8](repeating: 0, count: plane)
                            let n = OverlayDecoder.apply(info.overlays, dataSet: file.dataSet, frame: frame, raw: raw, format: fmt, into: &m)
                            if n > 0 { cOut[fi] += 1 }
                            for r in 0..<rows {
                                let dstRow = base + (flipRows ? rows - 1 - r : r) * cols
                                for c in 0..<cols { mOut[dstRow + c] = m[r * cols + c] }
                            }
                        }
                    }
                } catch {
                    eOut[fi] = error
                }
            }
        }}}}}}
        if let e = errors.compactMap({ $0 }).first { throw e }
        let overlayVolume = hasOverlays ? try Volume(geometry: geometry, data: mask) : nil
        let overlaySlices = overlayCounts.reduce(0, +)
        if integral && overflow.contains(true) {
            // A value left the Int16 range: redo in Float32 rather than clip.
            let (d, _, _) = try readVoxels(group, run: run, geometry: geometry, flipRows: flipRows, integral: false)
            return (d, overlayVolume, overlaySlices)
        }
        let data: DICOMVolumeData = integral ? .int16(try Volume(geometry: geometry, data: ints)) : .float(try Volume(geometry: geometry, data: floats))
        return (data, overlayVolume, overlaySlices)
    }
}
