import ArgumentParser
import CommandSupport
import DICOMNetwork
import DICOMNode
import Foundation
import Pipeline
import Registration

struct ServeCommand: ThreadedCommand, EnvironmentCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run a DICOM node: receive studies (C-STORE), score each one once complete, send SEG and Secondary Capture on.",
        discussion: """
            Accepts C-ECHO and C-STORE (CT and the other objects of a head CT study) as AE title --ae-title on --port. \
            Each instance is written atomically into --inbox and indexed in its SQLite job store; a study is processed \
            with the `run` pipeline once no instance has arrived for --study-timeout seconds, and its results (in \
            --output/<study hash>/, or a Secondary Capture saying why a study is not assessable) are sent to \
            --destination with retries; then the study's instances leave the inbox (unless --keep-inbox). Survives \
            restarts. See docs/dicom-node.md. \
            Research software, not for clinical use.
            """)

    @Option(help: "TCP port to listen on.") var port: Int = 11112
    @Option(name: .customLong("ae-title"), help: "This node's AE title (associations called to another title are rejected).")
    var aeTitle = "DEEPSTROKE"
    @Option(help: "Listen address (IPv4).") var host = "0.0.0.0"
    @Option(help: "Inbox folder: received instances and the job store.") var inbox: String
    @Option(name: .shortAndLong, help: "Output folder: one folder of results per study.") var output: String
    @Option(help: "Where results go, as AET@HOST:PORT (default: kept in --output only).",
            transform: { text in
                do { return try DICOMPeer(parsing: text) } catch { throw ValidationError("\(error)") }
            })
    var destination: DICOMPeer?
    @Option(help: "Segmentation method.") var method: EndToEndRun.Method = .atlas
    @Option(help: "A study is complete after this many seconds without a new instance.") var studyTimeout: Double = 30
    @Option(help: "Studies processed at once.") var workers: Int = 1
    @Option(help: "Atlas folder (default: the bundled atlas).") var atlas: String?
    @Option(help: "U-Net model folder (default: the bundled model).") var model: String?
    @Option(help: "Registration preset of the atlas method.") var preset: RegistrationPreset = .default
    @Option(help: "Seconds an idle or vanished peer may hold an association.") var idleTimeout: Double = 60
    @Option(help: "Associations served at once (more are rejected as transient).") var maxAssociations: Int = 16
    @Option(help: "Largest PDU accepted, bytes (also announced to peers).") var maxPduLength: Int = 1 << 20
    @Option(help: "Largest instance accepted, MiB.") var maxInstanceMb: Int = 1024
    @Option(help: "Refuse new instances once the inbox holds this many GiB.") var maxInboxGb: Double = 50
    @Option(help: "Seconds before the first retry of a failed send (doubling up to 10 minutes).") var retryBackoff: Double = 5
    @Flag(help: "Keep each study's instances in --inbox after its results are delivered (default: removed then).")
    var keepInbox = false
    @Flag(help: "fsync every received file and job-store commit (survives power loss, slower).") var fsync = false
    @OptionGroup var threadOptions: ThreadOptions

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be in 0...65535") }
        do { try DICOMPeer.validate(aeTitle: aeTitle) } catch { throw ValidationError("--ae-title: \(error)") }
        guard studyTimeout > 0 else { throw ValidationError("--study-timeout must be positive") }
        guard workers >= 1 else { throw ValidationError("--workers must be at least 1") }
        guard idleTimeout > 0 else { throw ValidationError("--idle-timeout must be positive") }
        guard maxAssociations >= 1 else { throw ValidationError("--max-associations must be at least 1") }
        guard (4096...(64 << 20)).contains(maxPduLength) else { throw ValidationError("--max-pdu-length must be in 4096...67108864") }
        guard retryBackoff > 0 else { throw ValidationError("--retry-backoff must be positive") }
        guard maxInstanceMb >= 1, maxInboxGb > 0 else { throw ValidationError("--max-instance-mb and --max-inbox-gb must be positive") }
    }

    func run(in environment: CommandEnvironment) throws {
        // The pipeline reports its steps with print(): line-buffer them so a log file or the journal has
        // them as they happen, not when a buffer fills (or never, after a kill).
        setvbuf(stdout, nil, _IOLBF, 0)
        var c = NodeConfiguration(inbox: URL(fileURLWithPath: inbox), output: URL(fileURLWithPath: output))
        c.port = port
        c.host = host
        c.aeTitle = aeTitle
        c.destination = destination
        c.method = method
        c.studyTimeout = studyTimeout
        c.workers = workers
        c.fsync = fsync
        c.keepInbox = keepInbox
        c.sendBackoff = retryBackoff
        c.maxInboxBytes = Int64(maxInboxGb * Double(1 << 30))
        c.limits.idleTimeout = idleTimeout
        c.limits.maxAssociations = maxAssociations
        c.limits.maxPDULength = UInt32(maxPduLength)
        c.limits.maxInstanceBytes = maxInstanceMb << 20
        let (method, atlas, model) = (self.method, self.atlas, self.model)
        let preset = self.preset
        let processor: StudyProcessor = { input, output in
            try RunCommand.execute(environment: environment, input: input, output: output, method: method, atlas: atlas, model: model,
                                   preset: preset, secondaryCapture: true)
        }
        let node = try DICOMNode(configuration: c, processor: processor, log: NodeLog())
        try node.start()
        while true { sleep(3600) }
    }
}
