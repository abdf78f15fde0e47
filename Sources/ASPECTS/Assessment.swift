/// What the quality gates decided about one scored scan: which regions may be scored, and why the
/// others may not.
///
/// A gate that refuses names the regions it concerns, or none for the whole scan. A region is
/// assessable only when no refusing finding names it (or the whole scan) and its left-right comparison
/// could be made; a hemisphere gets a number only when all ten of its regions are assessable, so a
/// region that cannot be judged is never counted as "not affected". Warnings are shown but change no
/// number.
public struct Assessment: Sendable, Equatable {
    public var findings: [GateFinding]

    public init(findings: [GateFinding] = []) { self.findings = findings }

    /// Refusing findings that concern the whole scan.
    public var scanRefusals: [GateFinding] { findings.filter { $0.severity == .refuse && $0.regions.isEmpty } }

    public var warnings: [GateFinding] { findings.filter { $0.severity == .warning } }

    /// The refusing findings that concern region `code` (the whole-scan ones included).
    public func refusals(for code: Int) -> [GateFinding] {
        findings.filter { $0.severity == .refuse && ($0.regions.isEmpty || $0.regions.contains(code)) }
    }
}

/// One gate's verdict, in words a reader can check.
public struct GateFinding: Codable, Sendable, Equatable {
    public enum Severity: String, Codable, Sendable {
        /// What it names cannot be scored.
        case refuse
        /// Shown to the reader; the score stands.
        case warning
    }

    /// The gate's name as docs/quality-gates.md lists it ("coverage", "region_volume", ...).
    public var gate: String
    public var severity: Severity
    /// Plain words: what was measured, against which limit.
    public var message: String
    /// Region codes (1-20) concerned; empty for the whole scan.
    public var regions: [Int]

    public init(gate: String, severity: Severity, message: String, regions: [Int] = []) {
        self.gate = gate
        self.severity = severity
        self.message = message
        self.regions = regions
    }
}

/// Whether a scan, or a method's result on it, has a score.
public enum AssessmentStatus: String, Codable, Sendable {
    /// Both hemispheres scored.
    case scored
    /// One hemisphere scored, the other not assessable.
    case partial = "partially_assessable"
    /// No number at all.
    case notAssessable = "not_assessable"
}
