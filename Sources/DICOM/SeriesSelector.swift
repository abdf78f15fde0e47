import Foundation

/// Picks the non-contrast axial head CT of each study and explains every decision.
///
/// Hard exclusions remove what can never be the input (scouts, non-CT, single images, colour
/// screenshots, contrast studies, other body parts). What remains is ranked: original/primary axial
/// acquisitions before derived reformats, soft-tissue kernels before bone kernels, enough coverage for
/// a brain, then the thinnest slices.
public enum SeriesSelector {
    public enum Status: String, Sendable {
        case selected, candidate, excluded
    }

    public struct Verdict: Sendable {
        public var status: Status
        public var score: Double
        /// Why: exclusion reasons, or the ranking facts (first is the most important).
        public var reasons: [String]
    }

    public struct StudyChoice: Sendable {
        public var study: SeriesGrouping.Study
        public var verdicts: [Verdict]          // parallel to study.series
        public var selected: Int?
        public var summary: String
    }

    public static func choose(_ studies: [SeriesGrouping.Study]) -> [StudyChoice] {
        studies.map(choose)
    }

    public static func choose(_ study: SeriesGrouping.Study) -> StudyChoice {
        var verdicts = study.series.map { evaluate($0, studyDescription: study.description) }
        let candidates = verdicts.indices.filter { verdicts[$0].status == .candidate }
        var selected: Int? = nil
        var summary: String
        if let best = candidates.max(by: { (verdicts[$0].score, -$0) < (verdicts[$1].score, -$1) }) {
            selected = best
            verdicts[best].status = .selected
            let others = candidates.count - 1
            summary = "selected series \(study.series[best].label) \"\(study.series[best].description)\": "
                + verdicts[best].reasons.joined(separator: "; ")
                + (others > 0 ? " (best of \(candidates.count) candidates)" : " (only candidate)")
        } else {
            summary = "no non-contrast axial head CT series in this study"
        }
        return StudyChoice(study: study, verdicts: verdicts, selected: selected, summary: summary)
    }

    static func matches(_ s: String, _ words: [String]) -> Bool {
        let u = " " + s.uppercased().replacingOccurrences(of: "_", with: " ") + " "
        return words.contains { u.contains($0) }
    }

    static let scoutWords = ["SCOUT", "LOCALIZER", "LOCALISER", "SURVIEW", "TOPOGRAM", "SCANOGRAM", "PILOT"]
    static let nonContrastWords = [" WO ", "W/O", "WITHOUT", "NON CON", "NONCON", "NON-CON", "NO CON", "NATIVE", "PLAIN", " NC "]
    static let contrastWords = ["CTA", "ANGIO", " C+", "CONTRAST", "ARTERIAL", "VENOUS", "PERFUSION", "PERF ", " CE ", "POST CON", "CAROTID", "COW "]
    static let boneWords = ["BONE", "SHARP", "LUNG", " H60", " H70", " B60", " B70", " B75", " B80", " YC", " YD", " D ", "BONEPLUS", "EDGE"]
    static let headWords = ["HEAD", "BRAIN", "SKULL", "CRAN", "SCHAEDEL", "SCHÄDEL", "KOPF", "NEURO", "CEREBR", " STROKE"]
    static let otherBodyWords = ["CHEST", "THORAX", "LUNG", "ABDOMEN", "PELVIS", "CARDIAC", "HEART", "CORONARY", "GATED", "SMARTSCORE",
                                 "CALCIUM", "SPINE", "KNEE", "LEG", "ARM", "LIVER", "KIDNEY"]

    public static func evaluate(_ g: SeriesGroup, studyDescription: String) -> Verdict {
        let f = g.first
        let text = [g.description, f.protocolName].joined(separator: " ")
        var excluded: [String] = []
        if !f.hasPixelData || f.rows == nil { excluded.append("no image data (\(f.modality.isEmpty ? "unknown" : f.modality) object)") }
        if f.modality != "CT" { excluded.append("modality \(f.modality.isEmpty ? "missing" : f.modality), not CT") }
        if f.imageType.contains("LOCALIZER") || matches(text, scoutWords) { excluded.append("scout/localizer") }
        if f.sopClassUID == "1.2.840.10008.5.1.4.1.1.7" || f.sopClassUID.hasPrefix("1.2.840.10008.5.1.4.1.1.7.") {
            excluded.append("secondary capture (screenshot), not an acquisition")
        }
        if f.samplesPerPixel != 1 { excluded.append("colour image") }
        if g.sliceCount < 3 { excluded.append("only \(g.sliceCount) slice(s)") }
        if !f.hasGeometry && f.hasPixelData { excluded.append("no position/orientation to build a volume") }
        let hasAgent = !f.contrastBolusAgent.isEmpty && !matches(" " + f.contrastBolusAgent + " ", [" NONE ", " NO ", " N/A "])
        if hasAgent || f.hasContrastSequence {
            excluded.append("contrast-enhanced (Contrast/Bolus Agent \"\(f.contrastBolusAgent)\")")
        } else if matches(text, contrastWords) && !matches(text, nonContrastWords) {
            excluded.append("description suggests contrast or angiography")
        }
        let bodyText = [f.bodyPartExamined, g.description, f.protocolName, studyDescription].joined(separator: " ")
        let headHint = matches(bodyText, headWords)
        if !headHint && matches(bodyText, otherBodyWords) { excluded.append("not a head examination (\(f.bodyPartExamined.isEmpty ? "description" : f.bodyPartExamined))") }
        if !excluded.isEmpty { return Verdict(status: .excluded, score: -Double.infinity, reasons: excluded) }

        var score = 0.0
        var reasons: [String] = []
        let it = f.imageType
        let derived = it.contains("DERIVED") || it.contains("SECONDARY") || it.contains("MPR") || it.contains("REFORMATTED")
            || it.contains("MIP") || matches(text, [" MPR", "REFORMAT", " MIP", " VRT", " 3D "])
        if derived { score -= 100; reasons.append("derived/reformatted (used only when nothing else)") } else {
            score += 20; reasons.append("original acquisition")
        }
        if let n = f.sliceNormal {
            if abs(n.z) >= 0.8 {
                score += 20
                // The plane's angle to the scanner's axial plane: a gantry tilt or an oblique plane
                // (slices stacked along the normal); the header's tilt tag can disagree with either.
                let degrees = (acos(min(1, abs(n.z))) * 180 / .pi * 10).rounded() / 10
                reasons.append(abs(n.z) > 0.9999 ? "axial" : "axial (plane tilted \(degrees)°)")
            } else { score -= 60; reasons.append("not axial") }
        }
        let kernelText = " " + f.convolutionKernel + " " + g.description + " "
        if matches(kernelText, boneWords) { score -= 50; reasons.append("bone/sharp kernel \(f.convolutionKernel)") } else if !f.convolutionKernel.isEmpty {
            score += 10; reasons.append("soft-tissue kernel \(f.convolutionKernel)")
        }
        if headHint { score += 15; reasons.append("head") }
        if matches(text, nonContrastWords) { score += 5; reasons.append("described as non-contrast") } else { reasons.append("no contrast agent recorded") }
        if let cov = g.coverage {
            // Whole millimetres, ties to even as printf's %.0f had them.
            let mm = Int(cov.rounded(.toNearestOrEven))
            if cov >= 90 { score += 10; reasons.append("covers \(mm) mm") } else {
                score -= (90 - cov) / 3; reasons.append("covers only \(mm) mm (a brain needs ~90-120)")
            }
        }
        if let t = f.sliceThickness ?? g.sliceSpacing {
            // Thinner is better down to ~0.5 mm; a thin series of a bone kernel already lost above.
            score += max(0, 10 - 2 * t)
            reasons.append("\(Self.threeSignificantDigits(t)) mm slices")
        }
        score += Double(min(g.sliceCount, 400)) / 1000   // tie-break: more slices
        return Verdict(status: .candidate, score: score, reasons: reasons)
    }

    /// `x` to three significant digits, shortest form ("5", "0.625", "1.25"): printf's `%.3g` for the
    /// values a slice thickness takes, without `String(format:)`, which is not safe on Linux worker
    /// threads (see `DataSetWriter.formatDS`).
    static func threeSignificantDigits(_ x: Double) -> String {
        guard x.isFinite, x != 0 else { return x.isFinite ? "0" : "\(x)" }
        let scale = pow(10, 2 - (log10(abs(x))).rounded(.down))
        let r = (x * scale).rounded(.toNearestOrEven) / scale
        return r == r.rounded() && abs(r) < 1e15 ? String(Int64(r)) : "\(r)"
    }
}
