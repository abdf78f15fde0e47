import Foundation
import ImageCore

/// How a volume from `VolumeAssembler.assembleWhole` was put on its uniform grid.
///
/// Every distance is in millimetres. "Along the line" is along the line through the acquired slice
/// positions (the k axis, oblique to the image normal under gantry tilt); "along the normal" is
/// perpendicular to the image planes.
public struct UniformResampling: Sendable, Equatable {
    /// Acquired slices (files or frames) that went into this volume.
    public var acquiredSlices: Int
    /// Uniformly spaced runs of acquired slices joined into this volume (1: the series was uniform).
    public var partsJoined: Int
    /// Slices of the output grid.
    public var outputSlices: Int
    /// Grid spacing along the line of slice positions (the k spacing of the geometry).
    public var spacingMM: Double
    /// The same spacing measured along the image normal.
    public var spacingAlongNormalMM: Double
    /// Largest distance along the normal between two consecutive acquired slices (0 for one slice).
    public var largestGapBridgedMM: Double
    /// Largest distance along the line from an acquired slice to its nearest grid slice.
    public var largestOffsetMM: Double
    /// The tolerance the offsets were held to (`WholeOptions.sliceOffsetToleranceMM`).
    public var toleranceMM: Double
    /// Grid slices holding an acquired slice's values unchanged.
    public var exactSlices: Int
    /// Grid slices interpolated between the two acquired slices around them.
    public var interpolatedSlices: Int
    /// "none" or a description of the interpolation used for the other grid slices.
    public var interpolation: String
    /// For each acquired slice, in `AssembledVolume.slicePaths` order: its continuous k index on the grid.
    public var acquiredGridIndex: [Double]

    /// True when every acquired slice sits within the tolerance of a grid slice.
    public var acquiredSlicesOnGrid: Bool { largestOffsetMM <= toleranceMM + 1e-9 }
}

extension VolumeAssembler {
    /// Options of `assembleWhole`.
    public struct WholeOptions: Sendable {
        /// Always write Float32 (otherwise Int16 when every value is an integer in range).
        public var forceFloat = false
        /// Largest distance along the image normal between consecutive acquired slices that is
        /// bridged by interpolation. Larger gaps split the series into pieces (all returned): a gap
        /// that wide is missing anatomy, and interpolating across it would invent tissue.
        public var maximumBridgedGapMM = 10.0
        /// Every acquired position must lie this close to the line through the first and last
        /// position of a piece; slices that do not are not merged with it.
        public var collinearityToleranceMM = 0.1
        /// Every acquired slice should lie this close (along the line) to a grid slice; the grid
        /// spacing is chosen to achieve it, and such grid slices carry the acquired values exactly.
        public var sliceOffsetToleranceMM = 0.1
        /// Finest grid spacing considered (unless the smallest acquired gap is finer still).
        public var minimumSpacingMM = 0.5

        public init(forceFloat: Bool = false, maximumBridgedGapMM: Double = 10) {
            self.forceFloat = forceFloat
            self.maximumBridgedGapMM = maximumBridgedGapMM
        }
    }

    /// Assembles each layer of a series into ONE volume over its whole extent on a uniform grid.
    ///
    /// Why: `assemble` cuts a series whose slice spacing changes (variable-pitch head protocols, a
    /// missing file) into exactly spaced parts, and a caller keeping one part loses anatomy (on a
    /// GE head CT with 4 mm then 7 mm slices, half the head). Here the parts of a layer are joined
    /// when the acquired positions are collinear (each within `collinearityToleranceMM` of the line
    /// through the first and last; with gantry tilt that line is oblique to the normal) and no gap
    /// along the normal exceeds `maximumBridgedGapMM`. Otherwise the layer is cut at the offending
    /// slices and every piece is returned, each merged as far as allowed: nothing is dropped. Use
    /// `brainPieceIndex` to pick the piece that holds the brain.
    ///
    /// Grid: i = columns, j = rows reversed (as `assemble`); k runs along the line of slice
    /// positions (sheared under tilt, exact world geometry), origin at the first acquired slice.
    /// The k spacing is the coarsest one, not above the smallest acquired gap and not below
    /// `minimumSpacingMM`, that puts every acquired slice within `sliceOffsetToleranceMM` of a grid
    /// slice (best achievable otherwise, reported in `resampling.largestOffsetMM`). A uniform layer
    /// keeps its own step and comes out exactly as from `assemble`.
    ///
    /// Voxels: grid slices within the tolerance of an acquired slice hold its values unchanged; the
    /// others are the linear blend, by distance along the line, of the two acquired slices around
    /// them at the same (i, j), which is exact interpolation along the line because the positions are
    /// collinear. Int16 output stays Int16 (interpolated HU rounded to the nearest integer, an error
    /// of at most 0.5 HU, far below CT noise; acquired slices stay bit-exact and the output type is
    /// the one `assemble` and dcm2niix give). Overlay masks take the nearest acquired slice within
    /// half a grid spacing, else 0.
    public static func assembleWhole(_ group: SeriesGroup, options: WholeOptions = WholeOptions()) throws -> [AssembledVolume] {
        let first = group.first
        let (rows, cols) = try imageSize(group)
        guard options.maximumBridgedGapMM >= 0, options.sliceOffsetToleranceMM >= 0, options.collinearityToleranceMM >= 0,
              options.minimumSpacingMM > 0 else {
            throw DICOMError.invalidArgument("assembleWhole: tolerances and the gap limit must be non-negative, the minimum spacing positive")
        }
        let hasGeometry = group.images.allSatisfy { $0.hasGeometry }
        guard hasGeometry, let iop = first.imageOrientation, let normal = first.sliceNormal, let ps = first.pixelSpacing else {
            // Nothing to merge without positions: the plain assembly is all there is.
            return try assemble(group, options: Options(forceFloat: options.forceFloat))
        }
        var warnings: [String] = []
        var rowDir = SIMD3(iop[0], iop[1], iop[2]); rowDir /= SliceLayout.norm(rowDir)
        var colDir = SIMD3(iop[3], iop[4], iop[5]); colDir /= SliceLayout.norm(colDir)

        // Slices exactly as `assemble` collects them.
        let slices = collectSlices(group, normal: normal, hasGeometry: true, warnings: &warnings)
        let layers = SliceLayout.layers(SliceLayout.sort(slices)) { ref in
            let img = group.images[ref.image]
            return [img.acquisitionNumber ?? 0, img.instanceNumber ?? 0, ref.frame]
        }
        if layers.count > 1 {
            warnings.append("\(layers.count) slices share each of some positions (repeated acquisitions): written as separate volumes")
        }

        // Pieces: maximal stretches of each layer that may be merged.
        var pieces: [[SliceRef]] = []
        var splitNotes: [String] = []
        var breakNotes: [String] = []
        for layer in layers {
            let (p, notes) = UniformStack.pieces(layer, normal: normal, options: options)
            pieces += p
            splitNotes += notes
            // Spacing changes and missing slices, said as `assemble` says them (bridged or not).
            breakNotes += SliceLayout.describeBreaks(SliceLayout.runs(layer))
        }
        warnings += splitNotes + breakNotes

        let integral = !options.forceFloat && group.images.allSatisfy {
            $0.rescaleSlope == 1 && abs($0.rescaleIntercept) < 1e6 && $0.rescaleIntercept == $0.rescaleIntercept.rounded()
        }
        let tilt = first.gantryTilt
        var out: [AssembledVolume] = []
        for (index, piece) in pieces.enumerated() {
            let plan = UniformStack.plan(piece, normal: normal, fallbackSpacing: first.spacingBetweenSlices ?? first.sliceThickness ?? 1,
                                         options: options)
            let origin = piece[0].position + colDir * (Double(rows - 1) * ps.row)
            let acquiredGeometry = Geometry(size: SIMD3(cols, rows, piece.count), spacing: SIMD3(ps.column, ps.row, plan.spacing),
                                            origin: origin, direction: [rowDir, -colDir, plan.direction])
            let geometry = Geometry(size: SIMD3(cols, rows, plan.sources.count), spacing: SIMD3(ps.column, ps.row, plan.spacing),
                                    origin: origin, direction: [rowDir, -colDir, plan.direction])
            let run = SliceLayout.Run(slices: piece, step: nil)
            let (acquired, acquiredOverlay, overlaySlices) = try readVoxels(group, run: run, geometry: acquiredGeometry,
                                                                            flipRows: true, integral: integral)
            // A uniform piece is its acquired stack as is: no second copy of the volume.
            let identity = plan.sources.count == piece.count
                && plan.sources.enumerated().allSatisfy { $0.element == .acquired($0.offset) }
                && plan.nearest.enumerated().allSatisfy { $0.element == $0.offset }
            let data = identity ? acquired : UniformStack.resample(acquired, plan: plan, geometry: geometry)
            let overlay = identity ? acquiredOverlay : try acquiredOverlay.map { try UniformStack.resampleOverlay($0, plan: plan, geometry: geometry) }

            let res = plan.report(acquiredSlices: piece.count, tolerance: options.sliceOffsetToleranceMM)
            var pieceWarnings: [String] = []
            if !res.acquiredSlicesOnGrid {
                pieceWarnings.append(String(format: "no grid spacing puts every acquired slice within %.3f mm of a grid slice; the best found (%.4f mm) leaves one %.3f mm off (interpolated there)",
                                            options.sliceOffsetToleranceMM, plan.spacing, res.largestOffsetMM))
            }
            if piece.count < 3 && pieces.count > 1 { pieceWarnings.append("piece \(index + 1) has only \(piece.count) slice(s)") }

            var handling: String
            if piece.count == 1 {
                handling = "single slice"
            } else if res.interpolatedSlices == 0 && res.partsJoined == 1 {
                handling = "uniform"
            } else {
                handling = String(format: "one uniform grid over the whole extent: %d acquired slices from %d uniformly spaced part(s), %d slices every %.4f mm along the slice line (%.4f mm along the normal); acquired slices kept exactly (largest offset from the grid %.3f mm), %d slices interpolated linearly between the acquired slices around them; largest gap bridged %.3f mm along the normal",
                                  piece.count, res.partsJoined, res.outputSlices, res.spacingMM, res.spacingAlongNormalMM,
                                  res.largestOffsetMM, res.interpolatedSlices, res.largestGapBridgedMM)
            }
            if pieces.count > 1 {
                handling += "; piece \(index + 1) of \(pieces.count)"
                if !splitNotes.isEmpty { handling += " (" + splitNotes.joined(separator: "; ") + ")" }
                if layers.count > 1 { handling += "; \(layers.count) repetitions of the same positions" }
            }
            var tiltHandling: String? = nil
            let cosAngle = abs((plan.direction * normal).sum())
            if piece.count > 1 && cosAngle < 1 - 1e-6 {
                let deg = acos(min(1, cosAngle)) * 180 / .pi
                tiltHandling = String(format: "kept acquired voxels with the exact sheared affine from ImagePositionPatient (slice axis %.3f° off the image normal%@); ", deg,
                                      tilt.map { String(format: ", GantryDetectorTilt %.2f°", $0) } ?? "")
                    + (res.interpolatedSlices == 0 ? "no resampling" : "slices in between interpolated along that axis, no de-tilting")
            }
            out.append(AssembledVolume(data: data, overlay: overlay, overlaySlices: overlaySlices,
                                       slicePaths: piece.map { group.images[$0.image].path },
                                       part: index + 1, partCount: pieces.count, spacingHandling: handling,
                                       tiltHandling: tiltHandling, gantryTilt: tilt, warnings: warnings + pieceWarnings,
                                       resampling: res))
        }
        return out
    }

    /// Index of the piece that holds the brain: the largest volume (mm³, so grids of different
    /// spacing compare fairly) of voxels between 20 and 45 HU, i.e. grey and white matter.
    ///
    /// Why not the longest or the lowest piece: when a series splits at a gap, the other piece is
    /// often a few slices through the skull vertex, the skull base or the neck, and which one is
    /// longer or lower depends on the protocol. Soft tissue in the brain's HU window is what the
    /// ASPECTS pipeline needs. Returns nil for an empty list.
    public static func brainPieceIndex(_ pieces: [AssembledVolume], softTissueHU: ClosedRange<Double> = 20...45) -> Int? {
        var best: (index: Int, volume: Double)? = nil
        for (n, p) in pieces.enumerated() {
            let v = softTissueVolumeMM3(p.data, softTissueHU: softTissueHU)
            if best == nil || v > best!.volume { best = (n, v) }
        }
        return best?.index
    }

    /// Volume in mm³ of voxels whose value lies in `softTissueHU`.
    public static func softTissueVolumeMM3(_ data: DICOMVolumeData, softTissueHU: ClosedRange<Double> = 20...45) -> Double {
        var count = 0
        switch data {
        case .int16(let v):
            let lo = Int16(clamping: Int(softTissueHU.lowerBound.rounded(.up))), hi = Int16(clamping: Int(softTissueHU.upperBound.rounded(.down)))
            for x in v.data where x >= lo && x <= hi { count += 1 }
        case .float(let v):
            let lo = Float(softTissueHU.lowerBound), hi = Float(softTissueHU.upperBound)
            for x in v.data where x >= lo && x <= hi { count += 1 }
        }
        let s = data.geometry.spacing
        return Double(count) * s.x * s.y * s.z
    }
}

/// The pieces, grid choice and resampling behind `VolumeAssembler.assembleWhole`.
enum UniformStack {
    /// Slices closer than this along the normal are never merged into one grid.
    static let minimumMergedGapMM = 0.1

    /// Cuts one layer (sorted along the normal, no shared positions) into mergeable pieces, greedily:
    /// a piece grows while the next gap along the normal is within the limit (and at least
    /// `minimumMergedGapMM`) and every slice so far stays within the collinearity tolerance of the
    /// line through the piece's first and new last slice.
    static func pieces(_ layer: [SliceRef], normal: SIMD3<Double>, options: VolumeAssembler.WholeOptions) -> ([[SliceRef]], [String]) {
        var out: [[SliceRef]] = []
        var notes: [String] = []
        var s = 0
        while s < layer.count {
            var e = s
            while e + 1 < layer.count {
                let gap = layer[e + 1].along - layer[e].along
                if gap < minimumMergedGapMM {
                    // Almost one position twice (a repeat, not a pitch): a grid that fine would be huge.
                    notes.append(String(format: "not merged across slices only %.3f mm apart along the normal (at %.2f mm)", gap, layer[e].along))
                    break
                }
                if gap > options.maximumBridgedGapMM {
                    notes.append(String(format: "not merged across a gap of %.3f mm along the normal (%.2f to %.2f mm; limit %.3g mm)",
                                        gap, layer[e].along, layer[e + 1].along, options.maximumBridgedGapMM))
                    break
                }
                if let off = offLine(layer[s...(e + 1)], normal: normal), off > options.collinearityToleranceMM {
                    notes.append(String(format: "not merged at %.2f mm along the normal: the slice positions leave a straight line (%.3f mm off)",
                                        layer[e + 1].along, off))
                    break
                }
                e += 1
            }
            out.append(Array(layer[s...e]))
            s = e + 1
        }
        return (out, notes)
    }

    /// Largest distance of a position from the line through the first and last ones; nil when they
    /// coincide. A line more than 60° off the normal counts as not a stack (infinite distance).
    static func offLine(_ slices: ArraySlice<SliceRef>, normal: SIMD3<Double>) -> Double? {
        guard let a = slices.first?.position, let b = slices.last?.position else { return nil }
        let d = b - a
        let len = SliceLayout.norm(d)
        guard len > 0 else { return nil }
        let u = d / len
        if (u * normal).sum() < 0.5 { return .infinity }
        var worst = 0.0
        for s in slices {
            let v = s.position - a
            worst = max(worst, SliceLayout.norm(v - u * (v * u).sum()))
        }
        return worst
    }

    /// Where each grid slice comes from.
    enum Source: Equatable {
        case acquired(Int)
        case blend(Int, Int, Double)   // (1 - w) * lower + w * upper
    }

    struct Plan {
        var spacing: Double
        var direction: SIMD3<Double>
        /// Along-line position of each acquired slice from the first.
        var positions: [Double]
        var cosToNormal: Double
        var runs: Int
        var largestGap: Double
        var sources: [Source]
        /// For overlays: the acquired slice within half a spacing of each grid slice.
        var nearest: [Int?]

        func report(acquiredSlices: Int, tolerance: Double) -> UniformResampling {
            var worst = 0.0
            for s in positions { worst = max(worst, abs(s - (s / spacing).rounded() * spacing)) }
            let exact = sources.filter { if case .acquired = $0 { return true } else { return false } }.count
            return UniformResampling(acquiredSlices: acquiredSlices, partsJoined: runs, outputSlices: sources.count,
                                     spacingMM: spacing, spacingAlongNormalMM: spacing * cosToNormal,
                                     largestGapBridgedMM: largestGap, largestOffsetMM: worst, toleranceMM: tolerance,
                                     exactSlices: exact, interpolatedSlices: sources.count - exact,
                                     interpolation: exact == sources.count ? "none"
                                         : "linear along the slice line between the two acquired slices around each grid slice, same (i, j)",
                                     acquiredGridIndex: positions.map { $0 / spacing })
        }
    }

    static func plan(_ piece: [SliceRef], normal: SIMD3<Double>, fallbackSpacing: Double, options: VolumeAssembler.WholeOptions) -> Plan {
        let n = piece.count
        if n == 1 {
            let h = fallbackSpacing > 0 && fallbackSpacing.isFinite ? fallbackSpacing : 1
            return Plan(spacing: h, direction: normal, positions: [0], cosToNormal: 1, runs: 1, largestGap: 0,
                        sources: [.acquired(0)], nearest: [0])
        }
        let d = piece[n - 1].position - piece[0].position
        let length = SliceLayout.norm(d)
        let u = d / length
        let positions = piece.map { ($0.position - piece[0].position) * u }.map { $0.sum() }
        var gaps: [Double] = []
        for m in 1..<n { gaps.append(positions[m] - positions[m - 1]) }
        let largestGap = zip(piece.dropFirst(), piece).map { $0.along - $1.along }.max() ?? 0
        let runs = SliceLayout.runs(piece)
        let spacing: Double
        if runs.count == 1 {
            // Uniform: its own mean step, exactly as `assemble`.
            spacing = length / Double(n - 1)
        } else {
            spacing = chooseSpacing(positions: positions, gaps: gaps, runSteps: runs.compactMap { $0.step.map(SliceLayout.norm) },
                                    options: options)
        }
        // Grid slices and where their values come from.
        let tol = options.sliceOffsetToleranceMM
        let nk = Int((length / spacing).rounded()) + 1
        var sources: [Source] = []
        var nearest: [Int?] = []
        sources.reserveCapacity(nk)
        var m = 0   // positions[m] <= t < positions[m + 1]
        for k in 0..<nk {
            let t = Double(k) * spacing
            while m + 2 < n && positions[m + 1] <= t { m += 1 }
            let lower = m, upper = min(m + 1, n - 1)
            let dl = abs(t - positions[lower]), du = abs(positions[upper] - t)
            let closest = dl <= du ? lower : upper
            let dc = min(dl, du)
            nearest.append(dc <= spacing / 2 + 1e-9 ? closest : nil)
            if dc <= tol + 1e-9 || t >= positions[n - 1] || lower == upper {
                sources.append(.acquired(closest))
            } else {
                let w = (t - positions[lower]) / (positions[upper] - positions[lower])
                sources.append(.blend(lower, upper, min(1, max(0, w))))
            }
        }
        return Plan(spacing: spacing, direction: u, positions: positions, cosToNormal: abs((u * normal).sum()),
                    runs: runs.count, largestGap: largestGap, sources: sources, nearest: nearest)
    }

    /// Largest distance of a position from its nearest grid slice for spacing `h` (origin at 0).
    static func worstOffset(_ positions: [Double], _ h: Double, giveUpAbove limit: Double = .infinity) -> Double {
        var worst = 0.0
        for s in positions {
            let o = abs(s - (s / h).rounded() * h)
            if o > worst { worst = o; if worst > limit { return worst } }
        }
        return worst
    }

    /// The coarsest spacing in [min(minimumSpacing, smallest gap), smallest gap] that puts every
    /// position within the tolerance of a grid slice, or the one that comes closest.
    ///
    /// Candidates: every gap and run step divided by 1…8, plus the local minima of the largest
    /// offset on a scan fine enough not to miss a window (step below tolerance × spacing / extent),
    /// each refined. Among candidates that meet the tolerance the coarsest wins, then the best one
    /// (smallest largest offset) in its neighbourhood, so the choice does not sit on the edge of the
    /// tolerance. "Smallest gap" allows the jitter that uniform runs tolerate (0.1 %, at least 0.01 mm).
    static func chooseSpacing(positions: [Double], gaps: [Double], runSteps: [Double], options: VolumeAssembler.WholeOptions) -> Double {
        let tol = options.sliceOffsetToleranceMM
        let minGap = gaps.min() ?? 1
        let hi = minGap + SliceLayout.tolerance(for: minGap)
        let lo = min(options.minimumSpacingMM, minGap)
        let extent = positions.last ?? 1
        var candidates: [(h: Double, f: Double)] = []
        func consider(_ h: Double) {
            guard h >= lo - 1e-12, h <= hi + 1e-12, h > 0 else { return }
            candidates.append((h, worstOffset(positions, h)))
        }
        var distinct: [Double] = []
        for g in gaps + runSteps where !distinct.contains(where: { abs($0 - g) < 1e-6 }) { distinct.append(g) }
        for g in distinct { for k in 1...8 { consider(g / Double(k)) } }
        // Scan for windows the gap fractions miss, then refine each local minimum.
        if hi > lo {
            let step = max((hi - lo) / 200_000, min(0.001, tol * lo / max(extent, 1e-6) / 2))
            let count = Int(((hi - lo) / step).rounded(.up)) + 1
            var f = [Double](repeating: 0, count: count)
            for i in 0..<count { f[i] = worstOffset(positions, min(hi, lo + Double(i) * step)) }
            // f moves by at most step x (extent / lo) between scan points: only minima that may reach
            // the tolerance are refined, plus the best one (for when none does).
            let margin = step * (extent / lo + 1)
            let globalBest = f.indices.min { f[$0] < f[$1] } ?? 0
            for i in 0..<count where (i == 0 || f[i] <= f[i - 1]) && (i == count - 1 || f[i] <= f[i + 1])
                && (f[i] <= tol + margin || i == globalBest) {
                var centre = min(hi, lo + Double(i) * step), width = step
                var best = (h: centre, f: f[i])
                for _ in 0..<3 {
                    for s in 0...20 {
                        let h = centre - width + Double(s) * width / 10
                        guard h >= lo, h <= hi else { continue }
                        let o = worstOffset(positions, h)
                        if o < best.f || (o == best.f && h > best.h) { best = (h, o) }
                    }
                    centre = best.h; width /= 10
                }
                candidates.append(best)
            }
        }
        guard !candidates.isEmpty else { return minGap }
        let passing = candidates.filter { $0.f <= tol + 1e-12 }
        if let coarsest = passing.max(by: { $0.h < $1.h }) {
            // The best candidate in the coarsest one's window (same grid count over the extent).
            let window = tol * coarsest.h / max(extent, 1e-6) * 2
            let near = passing.filter { abs($0.h - coarsest.h) <= window }
            return near.min { ($0.f, -$0.h) < ($1.f, -$1.h) }!.h
        }
        return candidates.min { ($0.f, -$0.h) < ($1.f, -$1.h) }!.h
    }

    /// The grid's voxels from the acquired slices (stacked in along-line order).
    static func resample(_ acquired: DICOMVolumeData, plan: Plan, geometry: Geometry) -> DICOMVolumeData {
        let plane = geometry.size.x * geometry.size.y
        switch acquired {
        case .int16(let v):
            var out = [Int16](repeating: 0, count: geometry.voxelCount)
            fill(&out, from: v.data, plan: plan, plane: plane) { o, s, dst, a, b, w in
                // Rounded half away from zero by truncating v ± 0.5 (no libm call in the loop; v lies
                // between two Int16 values, so the conversion cannot overflow).
                for n in 0..<plane {
                    let x = Float(s[a + n]), y = Float(s[b + n])
                    let v = x + w * (y - x)
                    o[dst + n] = Int16(truncatingIfNeeded: Int32(v + Float(signOf: v, magnitudeOf: 0.5)))
                }
            }
            return .int16(try! Volume(geometry: geometry, data: out))
        case .float(let v):
            var out = [Float](repeating: 0, count: geometry.voxelCount)
            fill(&out, from: v.data, plan: plan, plane: plane) { o, s, dst, a, b, w in
                for n in 0..<plane {
                    let x = s[a + n], y = s[b + n]
                    o[dst + n] = x + w * (y - x)
                }
            }
            return .float(try! Volume(geometry: geometry, data: out))
        }
    }

    /// Copies acquired planes and calls `blend(out, src, dstOffset, lowerOffset, upperOffset, w)` for
    /// interpolated ones, in parallel over grid slices.
    static func fill<T>(_ out: inout [T], from src: [T], plan: Plan, plane: Int,
                        blend: (UnsafeMutableBufferPointer<T>, UnsafeBufferPointer<T>, Int, Int, Int, Float) -> Void) {
        out.withUnsafeMutableBufferPointer { ob in
            let o = ob
            src.withUnsafeBufferPointer { sb in
                let s = sb
                parallelFor(plan.sources.count) { k in
                    let dst = k * plane
                    switch plan.sources[k] {
                    case .acquired(let m):
                        (o.baseAddress! + dst).update(from: s.baseAddress! + m * plane, count: plane)
                    case .blend(let a, let b, let w):
                        blend(o, s, dst, a * plane, b * plane, Float(w))
                    }
                }
            }
        }
    }

    static func resampleOverlay(_ acquired: Volume<UInt8>, plan: Plan, geometry: Geometry) throws -> Volume<UInt8> {
        let plane = geometry.size.x * geometry.size.y
        var out = [UInt8](repeating: 0, count: geometry.voxelCount)
        for (k, m) in plan.nearest.enumerated() {
            guard let m else { continue }
            for n in 0..<plane { out[k * plane + n] = acquired.data[m * plane + n] }
        }
        return try Volume(geometry: geometry, data: out)
    }
}
