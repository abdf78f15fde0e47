import Foundation
import ImageCore

/// The report of a scan refused before any region could be measured (no usable series, a contrast
/// study, not a head, a phantom): `aspects.json` with `"status": "not_assessable"` and the reasons, and
/// a `report.html` that says so at the top. It carries no score, no region table and no picture, so
/// nothing in it can be read as a number.
public struct NotAssessableReport {
    public var reasons: [GateFinding]
    public var inputs: [String: String]
    public var software: String

    public init(reasons: [GateFinding], inputs: [String: String] = [:], software: String = "DeepStroke") {
        self.reasons = reasons
        self.inputs = inputs
        self.software = software
    }

    public static let fileNames = ["aspects.json", "report.html"]

    public func jsonData() throws -> Data {
        try ReportDocument(refused: reasons, inputs: inputs, software: software).jsonData()
    }

    public var html: String {
        let inputRows = inputs.keys.sorted().map { "<tr><th>\(ReportHTML.escape($0))</th><td>\(ReportHTML.escape(inputs[$0]!))</td></tr>" }.joined()
        return """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>ASPECTS report: not assessable</title>
        <style>
        body{font-family:system-ui,-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;margin:0;background:#f4f5f7;color:#1d2330}
        header{background:#1d2330;color:#fff;padding:16px 28px} header h1{margin:0;font-size:22px}
        .warning{background:#b00020;color:#fff;padding:10px 28px;font-weight:600}
        main{padding:20px 28px;max-width:1000px}
        .refused{background:#fff4e5;border-left:6px solid #e65100;padding:12px 18px;margin-bottom:18px}
        .refused h2{margin:0 0 6px 0;font-size:20px;color:#b33c00}
        table{border-collapse:collapse;background:#fff;font-size:14px} th,td{padding:5px 10px;border-bottom:1px solid #e3e5ea;text-align:left}
        </style></head><body>
        <header><h1>DeepStroke &mdash; ASPECTS report</h1></header>
        <div class="warning">\(ReportHTML.escape(ASPECTSReport.disclaimer))</div>
        <main>
        <div class="refused"><h2>Not assessable: no ASPECTS for this scan</h2><ul>\(reasons.map { "<li>\(ReportHTML.escape($0.message))</li>" }.joined())</ul></div>
        <table>\(inputRows)<tr><th>software</th><td>\(ReportHTML.escape(software))</td></tr></table>
        </main></body></html>

        """
    }

    /// Writes both files atomically into `directory` (created if needed).
    @discardableResult
    public func write(to directory: URL) throws -> [URL] {
        let files: [(String, Data)] = [("aspects.json", try jsonData()), ("report.html", Data(html.utf8))]
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw ASPECTSError.output("cannot create folder \(directory.path) (a file in the way, or no permission?)")
        }
        return try files.map { name, data in
            let url = directory.appendingPathComponent(name)
            do { try AtomicFile.write(data, to: url) } catch {
                throw ASPECTSError.output("\(url.path): \(error.localizedDescription)")
            }
            return url
        }
    }
}
