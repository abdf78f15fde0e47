import Foundation

/// The self-contained `report.html`: the score first and large, the two level pictures embedded as
/// base64 PNG data URIs (so the file can be mailed or archived alone), the per-region table, the rule,
/// and the research-only notice. No scripts, no external resources.
enum ReportHTML {
    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    static func fmt(_ v: Double?, _ digits: Int = 1) -> String {
        guard let v = v, v.isFinite else { return "&ndash;" }
        return String(format: "%.\(digits)f", v)
    }

    /// The box at the top of the page: what cannot be scored and why, then the gates' warnings.
    static func notAssessableBanner(status: AssessmentStatus, reasons: [String], warnings: [String]) -> String {
        var out = ""
        if status != .scored {
            let title = status == .notAssessable ? "Not assessable: no ASPECTS for this scan" : "Partially assessable"
            out += "<div class=\"refused\"><h2>\(title)</h2><ul>"
                + reasons.map { "<li>\(escape($0))</li>" }.joined() + "</ul></div>"
        }
        if !warnings.isEmpty {
            out += "<div class=\"notes\"><b>Quality notes</b><ul>" + warnings.map { "<li>\(escape($0))</li>" }.joined() + "</ul></div>"
        }
        return out
    }

    static func render(result: ASPECTSResult, images: [(LevelImage, Data)], inputs: [String: String], software: String) -> String {
        let side = result.affectedSide
        func scoreBox(_ h: Hemisphere) -> String {
            let affected = side == h
            guard let score = result.score(h) else {
                return """
                <div class="score na"><div class="label">\(h == .right ? "Right" : "Left") hemisphere</div>\
                <div class="value">n/a</div><div class="sub">not assessable</div></div>
                """
            }
            return """
            <div class="score\(affected ? " hit" : "")"><div class="label">\(h == .right ? "Right" : "Left") hemisphere</div>\
            <div class="value">\(score)</div><div class="sub">ASPECTS (of 10)</div></div>
            """
        }
        let summary: String
        switch result.status {
        case .notAssessable:
            summary = "No ASPECTS: this scan cannot be scored (reasons above)."
        case .partial:
            let scored = Hemisphere.allCases.filter { result.score($0) != nil }
            let names = scored.flatMap { result.affectedRegions($0) }.map(\.region.description).joined(separator: ", ")
            summary = "Only the \(scored.map(\.rawValue).joined()) hemisphere could be scored"
                + (names.isEmpty ? "; no region in it darker than its mirror by the rule's threshold." : "; early ischaemic change suspected in \(escape(names)).")
        case .scored:
            if let s = side {
                let names = result.affectedRegions(s).map(\.region.name).joined(separator: ", ")
                summary = "Early ischaemic change suspected in the <b>\(s.rawValue)</b> hemisphere: \(escape(names))."
            } else {
                summary = "No region darker than its mirror by the rule's threshold: ASPECTS 10 on both sides."
            }
        }
        let banner = notAssessableBanner(status: result.status, reasons: ReportDocument.reasons(result),
                                         warnings: result.assessment.warnings.map(\.message))
        let figures = images.map { (level, png) in
            """
            <figure><img alt="\(escape(level.level.title))" src="data:image/png;base64,\(png.base64EncodedString())">\
            <figcaption>\(escape(level.level.title)), slice \(level.slice + 1). Patient's right on the image's left. \
            Outlines: ASPECTS regions; red fill: affected.\(heatCaption(result))</figcaption></figure>
            """
        }.joined(separator: "\n")
        let rows = result.regions.map { r -> String in
            let a = r.asymmetry
            let colour = RegionPalette.colour(of: r.region).hex
            let reasons = result.notAssessableReasons(r.region.code)
            let hit = reasons.isEmpty && r.affected
            let verdict = !reasons.isEmpty ? "<span title=\"\(escape(reasons.joined(separator: "; ")))\">not assessable</span>" : (hit ? "<b>yes</b>" : "no")
            return """
            <tr class="\(hit ? "hit" : (reasons.isEmpty ? "" : "na"))"><td>\(r.region.hemisphere.rawValue)</td>\
            <td><span class="swatch" style="background:\(colour)"></span>\(escape(r.region.name))</td>\
            <td>\(escape(r.region.fullName))</td><td>\(verdict)</td>\
            <td>\(fmt(r.statistics.tissue.mean))</td><td>\(fmt(r.mirrorStatistics.tissue.mean))</td>\
            <td>\(fmt(a?.differenceHU))</td><td>\(fmt(a?.zScore))</td><td>\(fmt(r.confidence * 100, 0))%</td>\
            <td>\(fmt(r.statistics.volumeML))</td><td>\(fmt(r.hypodenseFraction.map { $0 * 100 }, 0))</td></tr>
            """
        }.joined(separator: "\n")
        let inputRows = inputs.keys.sorted().map { "<tr><th>\(escape($0))</th><td>\(escape(inputs[$0]!))</td></tr>" }.joined()
        return """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>ASPECTS report</title>
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <style>
        body{font-family:system-ui,-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;margin:0;background:#f4f5f7;color:#1d2330}
        header{background:#1d2330;color:#fff;padding:16px 28px}
        header h1{margin:0;font-size:22px}
        .warning{background:#b00020;color:#fff;padding:10px 28px;font-weight:600}
        main{padding:20px 28px;max-width:1200px}
        .scores{display:flex;gap:20px;align-items:stretch;flex-wrap:wrap}
        .score{background:#fff;border-radius:10px;padding:16px 28px;box-shadow:0 1px 3px #0002;text-align:center;min-width:180px}
        .score.hit{outline:4px solid #d32f2f}
        .score .value{font-size:72px;font-weight:700;line-height:1.1}
        .score .label{font-size:15px;text-transform:uppercase;letter-spacing:.05em;color:#555}
        .score .sub{color:#666}
        .summary{font-size:18px;margin:18px 0}
        .figures{display:flex;gap:20px;flex-wrap:wrap}
        figure{margin:0;background:#000;padding:8px;border-radius:8px;max-width:560px}
        figure img{width:100%;image-rendering:pixelated;display:block}
        figcaption{color:#ddd;font-size:13px;padding-top:6px}
        table{border-collapse:collapse;background:#fff;margin-top:18px;font-size:14px}
        th,td{padding:5px 10px;border-bottom:1px solid #e3e5ea;text-align:left}
        tr.hit td{background:#ffe3e3}
        tr.na td{color:#777}
        .score.na .value{color:#888}
        .refused{background:#fff4e5;border-left:6px solid #e65100;padding:12px 18px;margin-bottom:18px}
        .refused h2{margin:0 0 6px 0;font-size:20px;color:#b33c00}
        .notes{background:#eef3fb;border-left:6px solid #3b6fc4;padding:10px 18px;margin-bottom:18px}
        .swatch{display:inline-block;width:11px;height:11px;border-radius:2px;margin-right:6px;vertical-align:-1px}
        .small{color:#555;font-size:13px;max-width:900px}
        </style></head><body>
        <header><h1>DeepStroke &mdash; ASPECTS report</h1></header>
        <div class="warning">\(escape(ASPECTSReport.disclaimer))</div>
        <main>
        \(banner)
        <div class="scores">\(scoreBox(.right))\(scoreBox(.left))</div>
        <p class="summary">\(summary)</p>
        <div class="figures">\(figures)</div>
        <h2>Regions</h2>
        <table><thead><tr><th>Side</th><th>Region</th><th>Territory</th><th>Affected</th><th>Mean HU</th><th>Mirror HU</th>\
        <th>&Delta; HU</th><th>z</th><th>Confidence</th><th>Volume ml</th><th>Hypodense %</th></tr></thead>
        <tbody>
        \(rows)
        </tbody></table>
        <h2>Method</h2>
        <p class="small">\(escape(ASPECTSReport.ruleDescription(result.rule))) Tissue counted: \(fmt(result.tissueRange.lower, 0))&ndash;\(fmt(result.tissueRange.upper, 0)) HU.</p>
        <table>\(inputRows)<tr><th>software</th><td>\(escape(software))</td></tr></table>
        </main></body></html>

        """
    }
}
