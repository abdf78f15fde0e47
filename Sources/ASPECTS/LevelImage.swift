import ImageCore
import Rendering

/// One report picture: an axial CT slice in a stroke window (radiological convention: the patient's
/// right on the image's left), regions with early ischaemic change filled in translucent red, the
/// voxel-wise hypodensity as a yellow-to-red heat map (`HypodensityHeatScale`), and every ASPECTS region
/// outlined in its colour and named on top. The CT and the heat map are interpolated bilinearly at the
/// CT's native in-plane resolution (at least 512 pixels wide) so coarse grids do not look blocky; labels
/// are sampled nearest-neighbour so outlines follow the voxels the scorer measured.
public struct LevelImage: Sendable {
    public let level: ReportLevel
    /// Display slice number, inferior to superior.
    public let slice: Int
    public let image: RGBImage

    public static let window = CTWindow.stroke

    /// `targetWidth` nil: native in-plane resolution, at least 512 pixels wide (`SliceSampler.native`).
    /// `hypodensity`, on the CT grid, is drawn as a heat map under the outlines.
    public init(level: ReportLevel, slice: Int, ct: Volume<Float>, labels: Volume<UInt8>, affected: Set<Int>,
                hypodensity: HypodensityMap? = nil, targetWidth: Int? = nil) throws {
        let plane = AxialPlane(geometry: ct.geometry)
        let sampler = try targetWidth.map { try SliceSampler(plane: plane, targetWidth: $0) } ?? SliceSampler.native(plane: plane)
        let hu = try sampler.sampleLinear(ct.components == 1 ? ct : ct.component(0), slice: slice)
        let lab = try sampler.sample(labels, slice: slice).map { $0 <= 20 ? $0 : 0 }
        var img = try RGBImage(values: hu, width: sampler.width, height: sampler.height, window: LevelImage.window)
        try img.fillLabels(labels: lab, color: RegionPalette.affected, alpha: 0.45) { affected.contains($0) }
        if let map = hypodensity {
            guard map.values.geometry.size == ct.geometry.size else {
                throw ASPECTSError.gridMismatch("the hypodensity map is not on the CT grid")
            }
            let scale = HypodensityHeatScale(thresholdHU: map.options.thresholdHU)
            try img.overlay(values: try sampler.sampleLinear(map.values, slice: slice), colour: scale.colour)
        }
        try img.drawOutlines(labels: lab) { RegionPalette.colour(ofLabel: $0) }

        let textScale = Swift.max(1, img.width / 256)
        // Name each region large enough to hold its label, at its most central pixel.
        for anchor in LabelAnchor.anchors(labels: lab, width: sampler.width) {
            guard let region = ASPECTSRegion(code: anchor.label) else { continue }
            let size = BitmapFont.size(of: region.name, scale: textScale)
            guard anchor.pixelCount >= 4 * size.width * size.height else { continue }
            BitmapFont.draw(region.name, on: &img, x: anchor.x - size.width / 2, y: anchor.y - size.height / 2, scale: textScale,
                            color: affected.contains(anchor.label) ? .white : RegionPalette.colour(of: region))
        }
        let side = 3 * textScale
        let mid = img.height / 2 - BitmapFont.size(of: "R", scale: side).height / 2
        BitmapFont.draw("R", on: &img, x: 2 * side, y: mid, scale: side)
        BitmapFont.draw("L", on: &img, x: img.width - 2 * side - BitmapFont.size(of: "L", scale: side).width, y: mid, scale: side)
        BitmapFont.draw(level.title.uppercased(), on: &img, x: 2 * textScale, y: 2 * textScale, scale: textScale, color: .yellow)
        let caption = "SLICE \(slice + 1)/\(plane.sliceCount)  W\(Int(LevelImage.window.width)) L\(Int(LevelImage.window.level))"
        BitmapFont.draw(caption, on: &img, x: 2 * textScale, y: img.height - (BitmapFont.glyphHeight + 2) * textScale,
                        scale: textScale, color: RGBColor(grey: 220))
        self.level = level
        self.slice = slice
        self.image = img
    }
}
