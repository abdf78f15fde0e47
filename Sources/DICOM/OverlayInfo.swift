/// One overlay plane (group 60xx) as described in a file's header.
public struct OverlayInfo: Sendable, Equatable {
    /// 0x6000 ... 0x601E.
    public var group: UInt16
    public var rows: Int
    public var columns: Int
    /// 1-based (row, column) of the overlay's first pixel in the image.
    public var origin: (row: Int, column: Int)
    public var type: String
    public var bitsAllocated: Int
    public var bitPosition: Int
    public var frames: Int
    public var firstFrame: Int
    public var description: String
    /// Overlay Data (60xx,3000) present; otherwise the bits live in the pixel data words (old files).
    public var hasOverlayData: Bool

    public static func == (a: OverlayInfo, b: OverlayInfo) -> Bool {
        a.group == b.group && a.rows == b.rows && a.columns == b.columns && a.origin == b.origin && a.type == b.type
            && a.bitsAllocated == b.bitsAllocated && a.bitPosition == b.bitPosition && a.frames == b.frames
            && a.firstFrame == b.firstFrame && a.hasOverlayData == b.hasOverlayData
    }

    /// Overlay planes described in a dataset (repeating groups 6000-601E).
    public static func all(in ds: DataSet) -> [OverlayInfo] {
        var out: [OverlayInfo] = []
        for n in 0..<16 {
            let g = UInt16(0x6000 + 2 * n)
            func t(_ e: UInt16) -> DICOMTag { DICOMTag(g, e) }
            guard let rows = ds.int(t(0x0010)), let cols = ds.int(t(0x0011)), rows > 0, cols > 0 else { continue }
            let origin = ds.doubles(t(0x0050))
            out.append(OverlayInfo(
                group: g, rows: rows, columns: cols,
                origin: (origin.count >= 2 ? Int(origin[0]) : 1, origin.count >= 2 ? Int(origin[1]) : 1),
                type: ds.string(t(0x0040)) ?? "G",
                bitsAllocated: ds.int(t(0x0100)) ?? 1, bitPosition: ds.int(t(0x0102)) ?? 0,
                frames: Swift.max(1, ds.int(t(0x0015)) ?? 1), firstFrame: Swift.max(1, ds.int(t(0x0051)) ?? 1),
                description: ds.string(t(0x0022)) ?? "", hasOverlayData: ds.contains(t(0x3000))))
        }
        return out
    }
}
