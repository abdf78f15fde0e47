import Foundation
import GRDB

/// The node's durable memory, an SQLite file (GRDB, write-ahead log): every received instance, every
/// study and its state, every result file to deliver. Each change is one transaction, so a `kill -9`
/// at any moment leaves either the old or the new state, and the next start continues from it
/// (`recoverAfterRestart`). Keys are hashed UIDs (`UIDHash`); no patient identifier is stored.
public final class JobStore: @unchecked Sendable {
    public let url: URL
    private let pool: DatabasePool

    public init(url: URL, durable: Bool) throws {
        self.url = url
        do {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            var config = Configuration()
            config.busyMode = .timeout(30)
            // WAL with NORMAL loses nothing when the process dies; FULL also survives a power cut.
            config.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = \(durable ? "FULL" : "NORMAL")") }
            pool = try DatabasePool(path: url.path, configuration: config)
            try Self.migrator.migrate(pool)
        } catch {
            throw NodeError.jobStore(path: url.path, problem: "\(error)")
        }
    }

    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE instance (
                    sop TEXT PRIMARY KEY, study TEXT NOT NULL, series TEXT NOT NULL, sop_class TEXT NOT NULL,
                    path TEXT NOT NULL, bytes INTEGER NOT NULL, received_at DOUBLE NOT NULL);
                CREATE INDEX instance_study ON instance(study);
                CREATE TABLE study (
                    key TEXT PRIMARY KEY, state TEXT NOT NULL, instances INTEGER NOT NULL, bytes INTEGER NOT NULL,
                    last_arrival DOUBLE NOT NULL, dirty INTEGER NOT NULL DEFAULT 0,
                    attempts INTEGER NOT NULL DEFAULT 0, completions INTEGER NOT NULL DEFAULT 0,
                    reason TEXT, updated_at DOUBLE NOT NULL);
                CREATE INDEX study_state ON study(state);
                CREATE TABLE send (
                    id INTEGER PRIMARY KEY AUTOINCREMENT, study TEXT NOT NULL, file TEXT NOT NULL, state TEXT NOT NULL,
                    attempts INTEGER NOT NULL DEFAULT 0, next_attempt DOUBLE NOT NULL, last_error TEXT, sent_at DOUBLE,
                    UNIQUE(study, file));
                CREATE INDEX send_state ON send(state, next_attempt);
                """)
        }
        m.registerMigration("v2: pruned instances") { db in
            // A pruned instance keeps its row (so a resend is still recognised) but no longer has a file.
            try db.execute(sql: "ALTER TABLE instance ADD COLUMN pruned INTEGER NOT NULL DEFAULT 0")
        }
        return m
    }

    private func wrap<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let e as NodeError { throw e } catch {
            throw NodeError.jobStore(path: url.path, problem: "\(error)")
        }
    }

    // MARK: instances

    public struct Instance: Sendable {
        public var sop: String, study: String, series: String, sopClass: String, path: String, bytes: Int
        public init(sop: String, study: String, series: String, sopClass: String, path: String, bytes: Int) {
            self.sop = sop; self.study = study; self.series = series; self.sopClass = sopClass; self.path = path; self.bytes = bytes
        }
    }

    public func hasInstance(_ sop: String) throws -> Bool {
        try wrap { try pool.read { db in try Bool.fetchOne(db, sql: "SELECT 1 FROM instance WHERE sop = ?", arguments: [sop]) ?? false } }
    }

    /// Bytes of the instances whose files are in the inbox (not pruned).
    public func inboxBytes() throws -> Int64 {
        try wrap { try pool.read { db in try Int64.fetchOne(db, sql: "SELECT COALESCE(SUM(bytes), 0) FROM instance WHERE pruned = 0") ?? 0 } }
    }

    /// What indexing a received instance did.
    public enum Indexed: Sendable, Equatable {
        /// A new instance: indexed, its study's timer restarted.
        case new
        /// Already indexed, its file in the inbox: nothing changed.
        case duplicate
        /// Already indexed and pruned with its processed study: the new copy is not wanted.
        case duplicateOfPruned
    }

    /// Indexes a stored instance and restarts its study's timer (`indexInstances` with one instance).
    @discardableResult
    public func recordInstance(_ i: Instance, at now: Double) throws -> Bool {
        try indexInstances([(i, now)]) == [.new]
    }

    /// Indexes received instances in one transaction (each with its arrival time). A resend of an
    /// indexed instance leaves its study as it is, so a study sent twice is scored once. Statements are
    /// prepared once per connection (cached): this runs for every received image.
    public func indexInstances(_ batch: [(instance: Instance, at: Double)]) throws -> [Indexed] {
        if batch.isEmpty { return [] }
        return try wrap {
            try pool.write { db in try batch.map { try Self.index($0.instance, at: $0.at, db) } }
        }
    }

    private static func index(_ i: Instance, at now: Double, _ db: Database) throws -> Indexed {
        let insert = try db.cachedStatement(sql: "INSERT OR IGNORE INTO instance (sop, study, series, sop_class, path, bytes, received_at) VALUES (?, ?, ?, ?, ?, ?, ?)")
        try insert.execute(arguments: [i.sop, i.study, i.series, i.sopClass, i.path, i.bytes, now])
        if db.changesCount == 0 {
            let pruned = try Bool.fetchOne(db.cachedStatement(sql: "SELECT pruned FROM instance WHERE sop = ?"), arguments: [i.sop]) ?? false
            return pruned ? .duplicateOfPruned : .duplicate
        }
        let state = try String.fetchOne(db.cachedStatement(sql: "SELECT state FROM study WHERE key = ?"), arguments: [i.study])
        switch state.flatMap(StudyState.init(rawValue:)) {
        case nil:
            try db.cachedStatement(sql: "INSERT INTO study (key, state, instances, bytes, last_arrival, updated_at) VALUES (?, ?, 1, ?, ?, ?)")
                .execute(arguments: [i.study, StudyState.receiving.rawValue, i.bytes, now, now])
        case .processing?:
            // The running job does not see this instance for sure: score again once it is done.
            try db.cachedStatement(sql: "UPDATE study SET instances = instances + 1, bytes = bytes + ?, last_arrival = ?, dirty = 1, updated_at = ? WHERE key = ?")
                .execute(arguments: [i.bytes, now, now, i.study])
        case .receiving?:
            try db.cachedStatement(sql: "UPDATE study SET instances = instances + 1, bytes = bytes + ?, last_arrival = MAX(last_arrival, ?), updated_at = ? WHERE key = ?")
                .execute(arguments: [i.bytes, now, now, i.study])
        default:
            try db.cachedStatement(sql: "UPDATE study SET state = ?, instances = instances + 1, bytes = bytes + ?, last_arrival = ?, updated_at = ? WHERE key = ?")
                .execute(arguments: [StudyState.receiving.rawValue, i.bytes, now, now, i.study])
        }
        return .new
    }

    /// Every indexed instance (hashed SOP Instance UID) and whether it was pruned: what the start-up
    /// scan of the inbox compares the files with.
    public func indexedInstances() throws -> [String: Bool] {
        try wrap {
            try pool.read { db in
                var out: [String: Bool] = [:]
                let rows = try Row.fetchCursor(db, sql: "SELECT sop, pruned FROM instance")
                while let r = try rows.next() { out[r["sop"]] = r["pruned"] }
                return out
            }
        }
    }

    // MARK: pruning

    /// Finished studies whose instances are still in the inbox: processed (done, not assessable or
    /// failed) and, when `awaitingDelivery`, with no result file still waiting to be sent.
    public func prunableStudies(awaitingDelivery: Bool) throws -> [String] {
        try wrap {
            try pool.read { db in
                let final = [StudyState.done, .notAssessable, .failed].map { "'\($0.rawValue)'" }.joined(separator: ", ")
                let delivered = awaitingDelivery ? "AND NOT EXISTS (SELECT 1 FROM send WHERE send.study = study.key AND send.state = '\(SendState.pending.rawValue)')" : ""
                return try String.fetchAll(db, sql: """
                    SELECT key FROM study WHERE state IN (\(final))
                    AND EXISTS (SELECT 1 FROM instance WHERE instance.study = study.key AND pruned = 0) \(delivered) ORDER BY key
                    """)
            }
        }
    }

    /// The study's instances whose files are still in the inbox.
    public func unprunedInstances(study: String) throws -> [(sop: String, path: String, bytes: Int64)] {
        try wrap {
            try pool.read { db in
                try Row.fetchAll(db, sql: "SELECT sop, path, bytes FROM instance WHERE study = ? AND pruned = 0", arguments: [study])
                    .map { ($0["sop"], $0["path"], $0["bytes"]) }
            }
        }
    }

    /// Records that these instances' files were removed from the inbox.
    public func markPruned(_ sops: [String]) throws {
        try wrap {
            try pool.write { db in
                for sop in sops { try db.cachedStatement(sql: "UPDATE instance SET pruned = 1 WHERE sop = ?").execute(arguments: [sop]) }
            }
        }
    }

    // MARK: studies

    public struct Study: Sendable {
        public var key: String, state: StudyState, instances: Int, attempts: Int, completions: Int, reason: String?
    }

    public func study(_ key: String) throws -> Study? {
        try wrap {
            try pool.read { db in
                try Row.fetchOne(db, sql: "SELECT * FROM study WHERE key = ?", arguments: [key]).map(Self.study)
            }
        }
    }

    public func studies() throws -> [Study] {
        try wrap { try pool.read { db in try Row.fetchAll(db, sql: "SELECT * FROM study ORDER BY key").map(Self.study) } }
    }

    private static func study(_ r: Row) -> Study {
        Study(key: r["key"], state: StudyState(rawValue: r["state"]) ?? .failed, instances: r["instances"],
              attempts: r["attempts"], completions: r["completions"], reason: r["reason"])
    }

    /// Studies still being processed when the node died go back to the queue (each start of a
    /// processing run counted one attempt, so a study that kills the node every time ends failed).
    @discardableResult
    public func recoverAfterRestart(maxAttempts: Int, now: Double) throws -> (requeued: [String], failed: [String]) {
        try wrap {
            try pool.write { db in
                let rows = try Row.fetchAll(db, sql: "SELECT key, attempts FROM study WHERE state = ?", arguments: [StudyState.processing.rawValue])
                var requeued: [String] = [], failed: [String] = []
                for r in rows {
                    let key: String = r["key"], attempts: Int = r["attempts"]
                    if attempts >= maxAttempts {
                        try db.execute(sql: "UPDATE study SET state = ?, reason = ?, updated_at = ? WHERE key = ?",
                                       arguments: [StudyState.failed.rawValue, "processing was interrupted \(attempts) time(s)", now, key])
                        failed.append(key)
                    } else {
                        try db.execute(sql: "UPDATE study SET state = ?, dirty = 0, updated_at = ? WHERE key = ?",
                                       arguments: [StudyState.queued.rawValue, now, key])
                        requeued.append(key)
                    }
                }
                return (requeued, failed)
            }
        }
    }

    /// Queues the studies whose last instance arrived at least `timeout` seconds ago.
    public func queueCompleted(timeout: Double, now: Double) throws -> [String] {
        try wrap {
            try pool.write { db in
                let keys = try String.fetchAll(db, sql: "SELECT key FROM study WHERE state = ? AND last_arrival <= ?",
                                               arguments: [StudyState.receiving.rawValue, now - timeout])
                for k in keys {
                    try db.execute(sql: "UPDATE study SET state = ?, updated_at = ? WHERE key = ?", arguments: [StudyState.queued.rawValue, now, k])
                }
                return keys
            }
        }
    }

    /// Takes the oldest queued study for processing (one transaction: two workers never get the same).
    public func claimNext(now: Double) throws -> (key: String, attempt: Int)? {
        try wrap {
            try pool.write { db in
                guard let key = try String.fetchOne(db, sql: "SELECT key FROM study WHERE state = ? ORDER BY last_arrival LIMIT 1",
                                                    arguments: [StudyState.queued.rawValue]) else { return nil }
                try db.execute(sql: "UPDATE study SET state = ?, attempts = attempts + 1, dirty = 0, updated_at = ? WHERE key = ?",
                               arguments: [StudyState.processing.rawValue, now, key])
                let attempts = try Int.fetchOne(db, sql: "SELECT attempts FROM study WHERE key = ?", arguments: [key]) ?? 1
                return (key, attempts)
            }
        }
    }

    /// Records a finished processing run and, in the same transaction, the result files to deliver
    /// (paths relative to the output folder). If instances arrived during the run, the study goes back
    /// to receiving and nothing is queued for sending: the next run sees the whole study.
    @discardableResult
    public func finish(_ key: String, state: StudyState, reason: String?, files: [String], now: Double) throws -> StudyState {
        try wrap {
            try pool.write { db in
                let dirty = try Bool.fetchOne(db, sql: "SELECT dirty FROM study WHERE key = ?", arguments: [key]) ?? false
                if dirty {
                    try db.execute(sql: "UPDATE study SET state = ?, dirty = 0, reason = NULL, updated_at = ? WHERE key = ?",
                                   arguments: [StudyState.receiving.rawValue, now, key])
                    return .receiving
                }
                try db.execute(sql: "UPDATE study SET state = ?, reason = ?, completions = completions + 1, updated_at = ? WHERE key = ?",
                               arguments: [state.rawValue, reason, now, key])
                for f in files {
                    try db.execute(sql: "INSERT OR REPLACE INTO send (study, file, state, attempts, next_attempt) VALUES (?, ?, ?, 0, ?)",
                                   arguments: [key, f, SendState.pending.rawValue, now])
                }
                return state
            }
        }
    }

    /// A processing run that threw: back to the queue, or failed after `maxAttempts`.
    @discardableResult
    public func failProcessing(_ key: String, reason: String, maxAttempts: Int, now: Double) throws -> StudyState {
        try wrap {
            try pool.write { db in
                let attempts = try Int.fetchOne(db, sql: "SELECT attempts FROM study WHERE key = ?", arguments: [key]) ?? maxAttempts
                let next: StudyState = attempts >= maxAttempts ? .failed : .queued
                try db.execute(sql: "UPDATE study SET state = ?, reason = ?, dirty = 0, updated_at = ? WHERE key = ?",
                               arguments: [next.rawValue, reason, now, key])
                return next
            }
        }
    }

    // MARK: sends

    public struct Send: Sendable {
        public var id: Int64, study: String, file: String, attempts: Int
    }

    public func dueSends(now: Double, limit: Int = 200) throws -> [Send] {
        try wrap {
            try pool.read { db in
                try Row.fetchAll(db, sql: "SELECT id, study, file, attempts FROM send WHERE state = ? AND next_attempt <= ? ORDER BY id LIMIT ?",
                                 arguments: [SendState.pending.rawValue, now, limit])
                    .map { Send(id: $0["id"], study: $0["study"], file: $0["file"], attempts: $0["attempts"]) }
            }
        }
    }

    public func markSent(_ id: Int64, now: Double) throws {
        try wrap {
            try pool.write { db in
                try db.execute(sql: "UPDATE send SET state = ?, attempts = attempts + 1, sent_at = ?, last_error = NULL WHERE id = ?",
                               arguments: [SendState.sent.rawValue, now, id])
            }
        }
    }

    /// Records a failed attempt; the file is retried at `nextAttempt`, or marked failed when `giveUp`.
    public func markSendFailed(_ id: Int64, error: String, nextAttempt: Double, giveUp: Bool) throws {
        try wrap {
            try pool.write { db in
                try db.execute(sql: "UPDATE send SET state = ?, attempts = attempts + 1, last_error = ?, next_attempt = ? WHERE id = ?",
                               arguments: [giveUp ? SendState.failed.rawValue : SendState.pending.rawValue, error, nextAttempt, id])
            }
        }
    }
}
