import ASPECTS
import DICOM
import Foundation
import Rendering

/// The Secondary Capture a PACS shows for a study the quality gates refused: one picture saying
/// "not assessable", why, and that there is no ASPECTS, in the received study (patient and study
/// attributes copied from one of its instances), so the reader sees the node answered. The pipeline
/// writes Secondary Captures only for scored studies; this is the node's own, written into
/// `OUTPUT/<study>/not_assessable/`.
struct NotAssessableCapture {
    var software = "DeepStroke"
    static let folderName = "not_assessable"
    static let seriesDescription = "ASPECTS not assessable"

    /// Writes the capture for the study whose instances are in `studyFolder`; returns the files.
    func write(reasons: [String], studyFolder: URL, output: URL) throws -> [URL] {
        guard let instance = Self.anyImage(in: studyFolder) else {
            throw NodeError.inbox(path: studyFolder.path, problem: "no instance to take the study's attributes from")
        }
        let source = try SourceSeries.read(slicePaths: [instance.path])
        var w = SecondaryCaptureWriter()
        w.seriesDescription = Self.seriesDescription
        w.seriesNumber = 302
        w.softwareVersion = software
        let picture = Self.picture(reasons: reasons)
        return try w.write([SecondaryCaptureWriter.Picture(width: picture.width, height: picture.height, rgb: picture.pixels,
                                                           description: "ASPECTS not assessable")],
                           source: source, to: output.appendingPathComponent(Self.folderName))
    }

    /// An instance of the study's largest series (the CT, rather than a scout or a dose report).
    static func anyImage(in studyFolder: URL) -> URL? {
        let fm = FileManager.default
        let series = ((try? fm.contentsOfDirectory(at: studyFolder, includingPropertiesForKeys: nil)) ?? [])
            .filter { !$0.lastPathComponent.hasPrefix(".") }
            .map { ($0, ((try? fm.contentsOfDirectory(atPath: $0.path)) ?? []).filter { $0.hasSuffix(".dcm") }.sorted()) }
            .filter { !$0.1.isEmpty }
            .sorted { ($0.1.count, $0.0.lastPathComponent) > ($1.1.count, $1.0.lastPathComponent) }
        guard let first = series.first else { return nil }
        return first.0.appendingPathComponent(first.1[0])
    }

    /// White text on black, 512 pixels wide: the verdict, each reason wrapped, the disclaimer.
    static func picture(reasons: [String]) -> RGBImage {
        let width = 512, margin = 16, scale = 2
        let columns = (width - 2 * margin) / (BitmapFont.advance * scale)
        var lines: [(String, RGBColor)] = [("NOT ASSESSABLE", .yellow), ("No ASPECTS for this study.", .white), ("", .white)]
        for r in reasons.isEmpty ? ["not assessable"] : reasons {
            lines += wrap("- " + r, columns).map { ($0, .white) }
        }
        lines.append(("", .white))
        lines += wrap(ASPECTSReport.disclaimer, columns).map { ($0, RGBColor(grey: 170)) }
        let lineHeight = (BitmapFont.glyphHeight + 4) * scale
        let height = max(128, 2 * margin + lines.count * lineHeight)
        var image = RGBImage(width: width, height: height)
        for (k, line) in lines.enumerated() {
            BitmapFont.draw(line.0, on: &image, x: margin, y: margin + k * lineHeight, scale: scale, color: line.1, shadow: nil)
        }
        return image
    }

    /// Greedy word wrap to `columns` characters (a longer word is cut).
    static func wrap(_ text: String, _ columns: Int) -> [String] {
        var lines: [String] = [], line = ""
        for word in text.split(separator: " ") {
            var w = String(word)
            while w.count > columns {
                if !line.isEmpty { lines.append(line); line = "" }
                lines.append(String(w.prefix(columns)))
                w = String(w.dropFirst(columns))
            }
            if line.isEmpty { line = w } else if line.count + 1 + w.count <= columns { line += " " + w } else { lines.append(line); line = w }
        }
        if !line.isEmpty { lines.append(line) }
        return lines
    }
}
