import ASPECTS
import Foundation
import Pipeline

/// Runs the end-to-end pipeline on one study folder. The CLI passes the same code `deepstroke run`
/// uses (`RunCommand.execute`), so a study scored by the node and by `run` gives the same outputs.
public typealias StudyProcessor = @Sendable (_ input: URL, _ output: URL) throws -> EndToEndRun.Outcome

/// What a processing run leaves for the node: its state, why (when not scored) and what to send.
public struct StudyResult: Equatable, Sendable {
    public var state: StudyState
    public var reason: String?
    /// Each refusal as "gate: message" (`reason` joins them).
    public var reasons: [String] = []
    /// DICOM files to deliver (SEG and Secondary Capture), relative to the output folder.
    public var files: [String]

    /// A refused study (quality gates) is not assessable with the gates' reasons and has no SEG; a
    /// scored one delivers every method's SEG and Secondary Captures.
    public init(outcome: EndToEndRun.Outcome, outputRoot: URL) {
        let root = outputRoot.standardizedFileURL.path
        func relative(_ u: URL) -> String {
            let p = u.standardizedFileURL.path
            return p.hasPrefix(root + "/") ? String(p.dropFirst(root.count + 1)) : p
        }
        var files: [String] = []
        for m in outcome.methods {
            if let s = m.segmentation { files.append(relative(s)) }
            files += m.secondaryCaptures.map(relative)
        }
        self.files = files
        if outcome.notAssessable {
            state = .notAssessable
            let findings = outcome.refusal ?? outcome.methods.flatMap { $0.result.assessment.findings.filter { $0.severity == .refuse } }
            reasons = findings.map { "\($0.gate): \($0.message)" }
            if reasons.isEmpty { reasons = ["not assessable"] }
            reason = reasons.joined(separator: "; ")
        } else {
            state = .done
            reason = nil
        }
    }
}
