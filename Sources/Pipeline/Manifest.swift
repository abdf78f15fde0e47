import Foundation
import GRDB

/// The dataset manifest: an SQLite file (one table, `scan`, one row per scan) that makes a build
/// resumable and mergeable. SQLite's transactions are what make a kill harmless: a row changes to
/// `done` in one transaction after its files are in place, and an interrupted transaction is rolled
/// back when the file is next opened.
///
/// Each process writes its own manifest file (`manifest.sqlite`, or `manifest-shard-I-of-N.sqlite` for
/// a shard), because SQLite locking is not to be trusted across cluster nodes on a network file
/// system; `DatasetMerger` joins them.
public final class Manifest: @unchecked Sendable {
    public let url: URL
    let queue: DatabaseQueue

    public static let fileName = "manifest.sqlite"

    public static func manifestName(shard: ShardSpec?) -> String {
        guard let s = shard, s.count > 1 else { return fileName }
        return "manifest-shard-\(s.index)-of-\(s.count).sqlite"
    }

    public init(url: URL) throws {
        self.url = url
        do {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            queue = try DatabaseQueue(path: url.path)
            try Self.migrator.migrate(queue)
        } catch let e as PipelineError {
            throw e
        } catch {
            throw PipelineError.manifest(path: url.path, problem: "\(error)")
        }
    }

    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1") { db in
            try db.create(table: ManifestRow.databaseTableName) { t in
                t.primaryKey("key", .text)
                t.column("source", .text).notNull()
                t.column("study", .text).notNull()
                t.column("series", .text)
                t.column("selection", .text).notNull()
                t.column("verdicts", .text).notNull()
                t.column("status", .text).notNull().indexed()
                t.column("attempts", .integer).notNull()
                t.column("error", .text)
                t.column("slices", .integer)
                t.column("spacing", .text)
                t.column("overlay_slices", .integer)
                t.column("labeler", .text)
                t.column("brain_ml", .double)
                t.column("ncc_final", .double)
                t.column("jacobian_min", .double)
                t.column("folded_fraction", .double)
                t.column("missing_regions", .integer)
                t.column("qa", .text)
                t.column("outputs", .text)
                t.column("seconds", .double)
                t.column("updated_at", .text).notNull()
            }
        }
        return m
    }

    public func rows() throws -> [ManifestRow] {
        try wrap { try queue.read { db in try ManifestRow.order(ManifestRow.CodingKeys.key).fetchAll(db) } }
    }

    public func row(_ key: String) throws -> ManifestRow? {
        try wrap { try queue.read { db in try ManifestRow.fetchOne(db, key: key) } }
    }

    /// Inserts rows for keys not yet in the manifest; existing rows are left as they are.
    @discardableResult
    public func insertNew(_ rows: [ManifestRow]) throws -> Int {
        try wrap {
            try queue.write { db in
                var added = 0
                for r in rows where try !ManifestRow.exists(db, key: r.key) {
                    try r.insert(db)
                    added += 1
                }
                return added
            }
        }
    }

    /// Writes (inserts or replaces) rows in one transaction.
    public func save(_ rows: [ManifestRow]) throws {
        try wrap { try queue.write { db in for r in rows { try r.save(db) } } }
    }

    public func update(_ key: String, _ change: (inout ManifestRow) -> Void) throws {
        try wrap {
            try queue.write { db in
                guard var r = try ManifestRow.fetchOne(db, key: key) else { return }
                change(&r)
                r.updatedAt = ManifestRow.now()
                try r.update(db)
            }
        }
    }

    public func counts() throws -> [ManifestRow.Status: Int] {
        var out: [ManifestRow.Status: Int] = [:]
        for r in try rows() { out[r.status, default: 0] += 1 }
        return out
    }

    private func wrap<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let e as PipelineError { throw e } catch {
            throw PipelineError.manifest(path: url.path, problem: "\(error)")
        }
    }
}
