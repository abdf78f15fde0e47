import Foundation

/// The images of one series that share one grid (size, orientation, pixel spacing): what can be
/// stacked into one volume. A series that mixes orientations or sizes becomes several groups.
public struct SeriesGroup: Sendable {
    public var studyInstanceUID: String
    public var seriesInstanceUID: String
    /// 0 for the first grid of a series, 1... for further grids (mixed series).
    public var subgroup: Int
    public var images: [ImageInfo]

    public var first: ImageInfo { images[0] }
    public var seriesNumber: Int? { first.seriesNumber }
    public var description: String { first.seriesDescription }
    /// Slices (frames of multi-frame files count one each).
    public var sliceCount: Int { images.reduce(0) { $0 + $1.frames } }
    public var overlaySliceCount: Int { images.filter { !$0.overlays.isEmpty }.count }

    /// Distance between neighbouring slice centres along the normal (median), when it can be known.
    public var sliceSpacing: Double? {
        guard let n = first.sliceNormal else { return nil }
        var z = images.flatMap { img -> [Double] in
            img.framePositions.isEmpty ? (img.imagePosition.map { [($0 * n).sum()] } ?? []) : img.framePositions.map { ($0 * n).sum() }
        }
        z.sort()
        let gaps = zip(z.dropFirst(), z).map { $0 - $1 }.filter { $0 > 1e-3 }.sorted()
        if gaps.isEmpty { return first.spacingBetweenSlices ?? first.sliceThickness }
        return gaps[gaps.count / 2]
    }

    /// Millimetres covered along the normal, from the first to the last slice plus one thickness.
    public var coverage: Double? {
        guard let n = first.sliceNormal else { return nil }
        let z = images.flatMap { img -> [Double] in
            img.framePositions.isEmpty ? (img.imagePosition.map { [($0 * n).sum()] } ?? []) : img.framePositions.map { ($0 * n).sum() }
        }
        guard let lo = z.min(), let hi = z.max() else { return nil }
        return hi - lo + (first.sliceThickness ?? sliceSpacing ?? 0)
    }

    /// A stable label for messages and file names: series number (or a UID hash) and grid index.
    public var label: String {
        let base = seriesNumber.map(String.init) ?? "u" + StableHash.hex(seriesInstanceUID, length: 6)
        return subgroup == 0 ? base : "\(base)-\(subgroup + 1)"
    }
}

/// Groups indexed images by study, series and grid.
public enum SeriesGrouping {
    public struct Study: Sendable {
        public var studyInstanceUID: String
        public var description: String
        public var series: [SeriesGroup]
    }

    public static func group(_ images: [ImageInfo]) -> [Study] {
        var studies: [String: [String: [ImageInfo]]] = [:]
        var studyOrder: [String] = []
        var seriesOrder: [String: [String]] = [:]
        for img in images {
            let st = img.studyInstanceUID, se = img.seriesInstanceUID
            if studies[st] == nil { studies[st] = [:]; studyOrder.append(st) }
            if studies[st]![se] == nil { studies[st]![se] = []; seriesOrder[st, default: []].append(se) }
            studies[st]![se]!.append(img)
        }
        var out: [Study] = []
        for st in studyOrder {
            var groups: [SeriesGroup] = []
            for se in seriesOrder[st]! {
                let imgs = studies[st]![se]!
                var grids: [String: [ImageInfo]] = [:]
                var gridOrder: [String] = []
                for img in imgs {
                    let k = gridKey(img)
                    if grids[k] == nil { grids[k] = []; gridOrder.append(k) }
                    grids[k]!.append(img)
                }
                // Largest grid first, so subgroup 0 is the main one.
                gridOrder.sort { grids[$0]!.count > grids[$1]!.count }
                for (n, k) in gridOrder.enumerated() {
                    let sorted = grids[k]!.sorted { ($0.instanceNumber ?? 0, $0.path) < ($1.instanceNumber ?? 0, $1.path) }
                    groups.append(SeriesGroup(studyInstanceUID: st, seriesInstanceUID: se, subgroup: n, images: sorted))
                }
            }
            groups.sort { ($0.seriesNumber ?? Int.max, $0.seriesInstanceUID, $0.subgroup) < ($1.seriesNumber ?? Int.max, $1.seriesInstanceUID, $1.subgroup) }
            out.append(Study(studyInstanceUID: st, description: groups.first?.first.studyDescription ?? "", series: groups))
        }
        return out
    }

    /// Images that can share a volume have the same matrix, samples, orientation and pixel spacing.
    static func gridKey(_ i: ImageInfo) -> String {
        // Rounded integers rather than String(format:), which is slow enough to show in 10,000-file listings.
        let iop = (i.imageOrientation ?? []).map { String(Int(($0 * 1000).rounded())) }.joined(separator: ",")
        let ps = i.pixelSpacing.map { "\(Int(($0.row * 10000).rounded())),\(Int(($0.column * 10000).rounded()))" } ?? "-"
        return "\(i.rows ?? 0)x\(i.columns ?? 0)x\(i.samplesPerPixel)|\(iop)|\(ps)|\(i.hasPixelData)"
    }
}

/// FNV-1a: short, stable, non-reversible tokens for names (study folders must not carry identifiers).
public enum StableHash {
    public static func hex(_ s: String, length: Int = 8) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in s.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        let full = String(h, radix: 16)
        return String((String(repeating: "0", count: 16 - full.count) + full).prefix(length))
    }
}
