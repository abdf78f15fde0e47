import ImageCore

/// Lays images out on a grid, for QA sheets (one tile per slice, registration overlays, ...).
public enum Montage {
    /// Tiles in row-major order, `columns` per row; every cell is as large as the largest tile and each
    /// tile is centred in its cell. An optional caption is written in each tile's top-left corner.
    public static func grid(_ tiles: [RGBImage], columns: Int, gap: Int = 4, background: RGBColor = .black,
                            captions: [String]? = nil, captionScale: Int = 2) throws -> RGBImage {
        guard !tiles.isEmpty else { throw RenderingError.invalidArgument("a montage needs at least one image") }
        guard columns > 0, gap >= 0 else { throw RenderingError.invalidArgument("columns must be positive and gap non-negative") }
        if let c = captions, c.count != tiles.count {
            throw RenderingError.invalidArgument("\(c.count) captions for \(tiles.count) images")
        }
        let cols = Swift.min(columns, tiles.count)
        let rows = (tiles.count + cols - 1) / cols
        let cellW = tiles.map(\.width).max()!, cellH = tiles.map(\.height).max()!
        var out = RGBImage(width: cols * cellW + (cols + 1) * gap, height: rows * cellH + (rows + 1) * gap, fill: background)
        for (n, tile) in tiles.enumerated() {
            let x = gap + (n % cols) * (cellW + gap) + (cellW - tile.width) / 2
            let y = gap + (n / cols) * (cellH + gap) + (cellH - tile.height) / 2
            out.draw(tile, atX: x, y: y)
            if let text = captions?[n], !text.isEmpty {
                BitmapFont.draw(text, on: &out, x: x + 2 * captionScale, y: y + 2 * captionScale, scale: captionScale, color: .yellow)
            }
        }
        return out
    }

    /// A QA sheet of axial slices of `volume` (display slice numbers, inferior to superior; default: about
    /// `count` evenly spaced slices), each `tileWidth` pixels wide in radiological orientation, optionally with
    /// the outlines of `labels` (same grid) coloured by `color`. Each tile is captioned with its slice number.
    public static func axialSlices(_ volume: Volume<Float>, window: CTWindow, slices: [Int]? = nil, count: Int = 12,
                                   columns: Int = 4, tileWidth: Int = 192, labels: Volume<UInt8>? = nil,
                                   color: (Int) -> RGBColor? = { _ in .yellow }) throws -> RGBImage {
        let plane = AxialPlane(geometry: volume.geometry)
        if let l = labels, l.geometry.size != volume.geometry.size {
            throw RenderingError.invalidArgument("label grid \(l.size) differs from the volume's \(volume.size)")
        }
        let n = plane.sliceCount
        let chosen = slices ?? (0..<Swift.max(1, Swift.min(count, n))).map { t in
            Swift.min(n - 1, Int((Double(t) + 0.5) * Double(n) / Double(Swift.max(1, Swift.min(count, n)))))
        }
        let sampler = try SliceSampler(plane: plane, targetWidth: tileWidth)
        var tiles: [RGBImage] = []
        for s in chosen {
            var tile = try RGBImage(values: sampler.sample(volume, slice: s), width: sampler.width, height: sampler.height, window: window)
            if let l = labels { try tile.drawOutlines(labels: sampler.sample(l, slice: s), color: color) }
            tiles.append(tile)
        }
        return try grid(tiles, columns: columns, captions: chosen.map { "S\($0 + 1)" }, captionScale: 1)
    }
}
