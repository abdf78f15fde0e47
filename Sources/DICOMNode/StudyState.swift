/// Where a study is in the node's life cycle. Stored as text in the job store.
///
/// receiving -> (no instance for the study timeout) queued -> processing -> done | not_assessable |
/// failed. A crash during processing puts the study back to queued at the next start; a new instance
/// for a queued or finished study sends it back to receiving (it is scored again on the whole study).
public enum StudyState: String, Sendable, CaseIterable {
    case receiving, queued, processing, done
    case notAssessable = "not_assessable"
    case failed
}

/// A result file waiting for, or done with, delivery to the destination.
public enum SendState: String, Sendable {
    case pending, sent, failed
}
