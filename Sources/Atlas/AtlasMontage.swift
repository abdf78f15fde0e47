import ASPECTS
import Foundation
import ImageCore
import Rendering

/// Review pictures of an atlas, in the radiological convention (patient's right on the image's left,
/// anterior at the top):
/// - `montage.png`: every axial slice from the bottom of the ganglionic level to the top of the
///   supraganglionic level, the template in a brain window with each region filled translucently in
///   its colour (the project's `RegionPalette`, same colour on both sides), captioned with the slice
///   number and its LPS z;
/// - `levels.png`: the two ASPECTS reading levels (the slices where C/L/IC/I, and M4-M6, cover the
///   most area) side by side, enlarged, with region outlines and names.
public enum AtlasMontage {
    /// The slice-by-slice montage of the labelled range.
    public static func slices(template: Volume<Float>, labels: Volume<UInt8>, columns: Int = 6, scale: Int = 2) throws -> RGBImage {
        let plane = AxialPlane(geometry: labels.geometry)
        let sampler = try SliceSampler(plane: plane)
        var labelled: [Int] = []
        for s in 0..<plane.sliceCount where try sampler.sample(labels, slice: s).contains(where: { $0 >= 1 && $0 <= 20 }) {
            labelled.append(s)
        }
        guard let lo = labelled.first, let hi = labelled.last else {
            throw AtlasError(.invalidContent, file: "labels", problem: "no labelled voxels to draw")
        }
        var tiles: [RGBImage] = [], captions: [String] = []
        for s in lo...hi {
            let hu = try sampler.sample(template, slice: s)
            let lab = try sampler.sample(labels, slice: s)
            var img = try RGBImage(values: hu, width: sampler.width, height: sampler.height, window: .brain)
            for region in ASPECTSRegion.all {
                try img.fillLabels(labels: lab, color: RegionPalette.colour(of: region), alpha: 0.5) { $0 == region.code }
            }
            try img.drawOutlines(labels: lab) { RegionPalette.colour(ofLabel: $0) }
            tiles.append(img.scaled(by: scale))
            var mid = SIMD3<Double>(Double(labels.size.x) / 2, Double(labels.size.y) / 2, Double(labels.size.z) / 2)
            let voxel = plane.voxel(column: 0, row: 0, slice: s)
            mid[plane.sliceAxis] = Double(voxel[plane.sliceAxis])
            captions.append(String(format: "%d Z%.0f", s, labels.geometry.worldLPS(mid).z))
        }
        return try Montage.grid(tiles, columns: columns, captions: captions, captionScale: 1)
    }

    /// The two reading levels, labelled.
    public static func levels(template: Volume<Float>, labels: Volume<UInt8>, width: Int = 512) throws -> RGBImage {
        let plane = AxialPlane(geometry: labels.geometry)
        let images = try ReportLevel.allCases.map { level -> RGBImage in
            guard let slice = level.slice(in: labels, plane: plane) else {
                throw AtlasError(.invalidContent, file: "labels", problem: "no \(level.rawValue) regions to draw")
            }
            return try LevelImage(level: level, slice: slice, ct: template, labels: labels, affected: [], targetWidth: width).image
        }
        return try Montage.grid(images, columns: 2)
    }

    /// Writes montage.png and levels.png into `directory`; returns their URLs.
    @discardableResult
    public static func write(template: Volume<Float>, labels: Volume<UInt8>, to directory: URL) throws -> [URL] {
        let m = directory.appendingPathComponent("montage.png"), l = directory.appendingPathComponent("levels.png")
        try slices(template: template, labels: labels).writePNG(to: m)
        try levels(template: template, labels: labels).writePNG(to: l)
        return [m, l]
    }
}
