import DICOMNetwork
import Foundation
import Pipeline

/// Everything `deepstroke serve` is told, as one value handed to `DICOMNode`.
public struct NodeConfiguration: Sendable {
    public var port: Int = 11112
    /// Listen address (IPv4); all interfaces by default.
    public var host = "0.0.0.0"
    public var aeTitle = "DEEPSTROKE"
    public var inbox: URL
    public var output: URL
    public var destination: DICOMPeer?
    public var method: EndToEndRun.Method = .atlas
    /// A study is complete when no instance of it has arrived for this many seconds.
    public var studyTimeout: Double = 30
    public var workers = 1
    public var limits = NetworkLimits()
    /// Received instances are refused (out of resources) once the inbox holds this many bytes.
    public var maxInboxBytes: Int64 = 50 << 30
    /// fsync each received file (and the job store's commits) before answering success: survives a
    /// power cut, not only a crash of the process, at some cost in throughput.
    public var fsync = false
    /// Keep a study's instances in the inbox after its results are delivered (or it failed for good);
    /// by default they are removed then.
    public var keepInbox = false
    /// Send a Secondary Capture saying "not assessable" (and why) for a study the gates refuse.
    public var notAssessableCapture = true
    /// Processing attempts of a study before it is marked failed (a crash mid-run counts as one).
    public var maxProcessingAttempts = 3
    /// First retry of a failed send after this many seconds, doubling up to `maxSendBackoff`.
    public var sendBackoff: Double = 5
    public var maxSendBackoff: Double = 600
    /// Send attempts before a result file is marked failed for good.
    public var maxSendAttempts = 20

    public init(inbox: URL, output: URL) {
        self.inbox = inbox
        self.output = output
    }

    /// The job store lives beside the inbox it indexes.
    public var jobStoreURL: URL { inbox.appendingPathComponent("deepstroke-node.sqlite") }
}
