/// Entry points that let the fuzz target reach code normally driven by volume assembly.
public enum DICOMFuzzSupport {
    /// Decodes the overlay planes of frame 0 of a parsed file into a mask (count of set bits).
    public static func overlayMask(file: DICOMFile, info: ImageInfo, reader: PixelDataReader) throws -> Int {
        let raw = try reader.rawFrame(0)
        var mask = [UInt8](repeating: 0, count: reader.format.pixelsPerFrame)
        return OverlayDecoder.apply(info.overlays, dataSet: file.dataSet, frame: 0, raw: raw, format: reader.format, into: &mask)
    }
}
