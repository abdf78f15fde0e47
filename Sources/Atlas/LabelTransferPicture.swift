import ASPECTS
import ImageCore
import Rendering

/// The QA picture of a label transfer: the scan's own axial slices at the two ASPECTS reading levels
/// (where C/L/IC/I, and M4-M6, cover the most area) and one slice `offsetMM` below and above each, in
/// a stroke window with every region outlined and named. A reviewer checks at a glance that the
/// outlines follow the anatomy in the native images, not in a resampled copy.
public enum LabelTransferPicture {
    public static func render(scan: Volume<Float>, labels: Volume<UInt8>, offsetMM: Double = 6, width: Int = 384) throws -> RGBImage {
        let plane = AxialPlane(geometry: scan.geometry)
        let step = Swift.max(1, Int((offsetMM / scan.geometry.spacing[plane.sliceAxis]).rounded()))
        var tiles: [RGBImage] = []
        for level in ReportLevel.allCases {
            guard let centre = level.slice(in: labels, plane: plane) else {
                throw AtlasError(.invalidContent, file: "labels", problem: "the transferred labels are empty; nothing to draw")
            }
            for s in [centre - step, centre, centre + step] where s >= 0 && s < plane.sliceCount {
                tiles.append(try LevelImage(level: level, slice: s, ct: scan, labels: labels, affected: [], targetWidth: width).image)
            }
        }
        return try Montage.grid(tiles, columns: 3)
    }
}
