import Foundation
import RetainCore

/// The experiment database: experiments and their arms, content-hash keyed stage runs with their
/// outputs, and per-item benchmark predictions (schema in `Schema`).
///
/// Outputs are only ever written by `complete`, in the same transaction that marks the stage run
/// done, so a crash leaves either all of a stage's outputs or none of them.
public final class ExperimentStore: Sendable {
    /// The underlying connection (thread-safe; see `SQLiteDatabase`).
    public let database: SQLiteDatabase
    /// The database file.
    public var path: String { database.path }

    /// Opens or creates the database at `path` and applies pending migrations.
    public init(path: String, busyTimeout: TimeInterval = 10) throws {
        database = try SQLiteDatabase(path: path, busyTimeout: busyTimeout)
        try database.migrate(Schema.migrations)
    }

    /// Opens an existing database read-only; fails if it is missing or its schema is not exactly
    /// this code's version (read-only opens never migrate).
    public init(readOnlyPath: String, busyTimeout: TimeInterval = 10) throws {
        database = try SQLiteDatabase(path: readOnlyPath, readOnly: true, busyTimeout: busyTimeout)
        try database.migrate(Schema.migrations)
    }

    // MARK: Experiments

    /// Inserts the experiment, or updates its spec (bumping `updated_at` only when the spec hash
    /// changed). Returns its id.
    @discardableResult
    public func upsertExperiment(name: String, specHash: String, specText: String) throws -> Int64 {
        let now = Timestamp.now()
        let rows = try database.query("""
            INSERT INTO experiments (name, spec_hash, spec_text, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (name) DO UPDATE SET
                updated_at = CASE WHEN spec_hash = excluded.spec_hash THEN updated_at ELSE excluded.updated_at END,
                spec_hash = excluded.spec_hash,
                spec_text = excluded.spec_text
            RETURNING id
            """, name, specHash, specText, now, now)
        guard let id = try rows.first?.get("id", as: Int64.self) else {
            throw StoreError.invalidData("upsert of experiment \(name) returned no id")
        }
        return id
    }

    /// The experiment named `name`, if any.
    public func experiment(named name: String) throws -> ExperimentRecord? {
        try database.query("SELECT * FROM experiments WHERE name = ?", name).first.map(ExperimentRecord.init(row:))
    }

    /// All experiments, by name.
    public func experiments() throws -> [ExperimentRecord] {
        try database.query("SELECT * FROM experiments ORDER BY name").map(ExperimentRecord.init(row:))
    }

    /// Makes the experiment's arms exactly `arms`, in this order. Arms no longer listed are removed
    /// together with their `arm_results` links; kept arms keep their links.
    public func setArms(experimentID: Int64, _ arms: [ArmRecord]) throws {
        guard Set(arms.map(\.name)).count == arms.count else {
            throw StoreError.invalidData("duplicate arm names in \(arms.map(\.name))")
        }
        try database.transaction {
            let wanted = Set(arms.map(\.name))
            for row in try database.query("SELECT name FROM arms WHERE experiment_id = ?", experimentID) {
                let name: String = try row.get("name")
                if !wanted.contains(name) {
                    try database.execute("DELETE FROM arms WHERE experiment_id = ? AND name = ?", experimentID, name)
                }
            }
            let upsert = try database.prepare("""
                INSERT INTO arms (experiment_id, name, config_json, position) VALUES (?, ?, ?, ?)
                ON CONFLICT (experiment_id, name) DO UPDATE SET config_json = excluded.config_json, position = excluded.position
                """)
            for (position, arm) in arms.enumerated() {
                try upsert.execute([experimentID, arm.name, arm.configJSON, position])
            }
        }
    }

    /// `setArms` for (name, config JSON) pairs.
    public func setArms(experimentID: Int64, _ arms: [(name: String, configJSON: String)]) throws {
        try setArms(experimentID: experimentID, arms.map { ArmRecord(name: $0.name, configJSON: $0.configJSON) })
    }

    /// The experiment's arms in spec order.
    public func arms(experimentID: Int64) throws -> [ArmRecord] {
        try database.query("SELECT name, config_json FROM arms WHERE experiment_id = ? ORDER BY position", experimentID)
            .map { ArmRecord(name: try $0.get("name"), configJSON: try $0.get("config_json")) }
    }

    /// Makes the experiment's seeds exactly `seeds`; removed seeds lose their `arm_results` links.
    public func setSeeds(experimentID: Int64, _ seeds: [UInt64]) throws {
        try database.transaction {
            let wanted = Set(seeds)
            for seed in try self.seeds(experimentID: experimentID) where !wanted.contains(seed) {
                try database.execute("DELETE FROM seeds WHERE experiment_id = ? AND seed = ?", experimentID, seed)
            }
            let insert = try database.prepare("INSERT OR IGNORE INTO seeds (experiment_id, seed) VALUES (?, ?)")
            for seed in seeds { try insert.execute([experimentID, seed]) }
        }
    }

    /// The experiment's seeds, ascending (as stored, i.e. by their Int64 bit pattern).
    public func seeds(experimentID: Int64) throws -> [UInt64] {
        try database.query("SELECT seed FROM seeds WHERE experiment_id = ? ORDER BY seed", experimentID)
            .map { try $0.get("seed") }
    }

    // MARK: Stage runs

    /// The stage run with this hash, if any.
    public func stageRun(hash: String) throws -> StageRunRecord? {
        try database.query("SELECT * FROM stage_runs WHERE hash = ?", hash).first.map(StageRunRecord.init(row:))
    }

    /// Stage runs, optionally only those with `status`, ordered by start time then hash.
    public func stageRuns(status: StageStatus? = nil) throws -> [StageRunRecord] {
        try database.query("""
            SELECT * FROM stage_runs WHERE ?1 IS NULL OR status = ?1 ORDER BY started_at, hash
            """, status?.rawValue).map(StageRunRecord.init(row:))
    }

    /// Records that a stage run is starting and returns its attempt number (1 for a first run).
    ///
    /// An earlier attempt left 'running' (the process died) or 'failed' is reset: its outputs are
    /// deleted (there are none unless written outside `complete`), its config replaced, its error
    /// cleared and `attempts` incremented. Restarting a 'done' run throws unless `force`.
    /// This assumes one process runs a given stage at a time.
    @discardableResult
    public func markRunning(hash: String, kind: String, configJSON: String, inputsJSON: String, codeVersion: Int,
                            force: Bool = false) throws -> Int {
        try database.transaction {
            let now = Timestamp.now()
            guard let existing = try stageRun(hash: hash) else {
                try database.execute("""
                    INSERT INTO stage_runs (hash, kind, config_json, inputs_json, code_version, status, started_at, attempts)
                    VALUES (?, ?, ?, ?, ?, 'running', ?, 1)
                    """, hash, kind, configJSON, inputsJSON, codeVersion, now)
                return 1
            }
            if existing.status == .done && !force {
                throw StoreError.invalidStageStatus(hash: hash, status: existing.status.rawValue, operation: "restart")
            }
            try deleteOutputs(stageHash: hash)
            try database.execute("""
                UPDATE stage_runs SET kind = ?, config_json = ?, inputs_json = ?, code_version = ?, status = 'running',
                    started_at = ?, finished_at = NULL, wall_seconds = NULL, stats_json = NULL, error = NULL,
                    attempts = attempts + 1
                WHERE hash = ?
                """, kind, configJSON, inputsJSON, codeVersion, now, hash)
            return existing.attempts + 1
        }
    }

    /// Marks a running (or already failed) stage run failed with `error`. A 'done' run stays done
    /// and this throws.
    public func markFailed(hash: String, error message: String) throws {
        try database.transaction {
            guard let existing = try stageRun(hash: hash) else { throw StoreError.stageNotFound(hash: hash) }
            if existing.status == .done {
                throw StoreError.invalidStageStatus(hash: hash, status: existing.status.rawValue, operation: "mark failed")
            }
            try database.execute("UPDATE stage_runs SET status = 'failed', finished_at = ?, error = ? WHERE hash = ?",
                                 Timestamp.now(), message, hash)
        }
    }

    /// Writes a running stage's outputs and marks it done, all in ONE transaction.
    ///
    /// Any existing output rows of `hash` are deleted first, then `outputs` inserts through the
    /// writer, then the run becomes 'done' with `finished_at`, `wallSeconds` and `statsJSON`.
    /// If `outputs` throws (or the process dies before the commit) nothing is written and the
    /// run stays 'running'. Compute outputs before calling: the connection's lock and SQLite's
    /// write lock are held while `outputs` runs.
    public func complete(hash: String, wallSeconds: Double, statsJSON: String? = nil,
                         writing outputs: (StageOutputWriter) throws -> Void) throws {
        try database.transaction {
            guard let existing = try stageRun(hash: hash) else { throw StoreError.stageNotFound(hash: hash) }
            guard existing.status == .running else {
                throw StoreError.invalidStageStatus(hash: hash, status: existing.status.rawValue, operation: "complete")
            }
            try deleteOutputs(stageHash: hash)
            let writer = StageOutputWriter(database: database, stageHash: hash)
            defer { writer.isOpen = false }
            try outputs(writer)
            try database.execute("""
                UPDATE stage_runs SET status = 'done', finished_at = ?, wall_seconds = ?, stats_json = ?, error = NULL
                WHERE hash = ?
                """, Timestamp.now(), wallSeconds, statsJSON, hash)
        }
    }

    /// Deletes every output row of one stage (examples go with their dataset by cascade).
    private func deleteOutputs(stageHash: String) throws {
        try database.execute("DELETE FROM instructions WHERE stage_hash = ?", stageHash)
        try database.execute("DELETE FROM responses WHERE stage_hash = ?", stageHash)
        try database.execute("DELETE FROM judgments WHERE stage_hash = ?", stageHash)
        try database.execute("DELETE FROM datasets WHERE stage_hash = ?", stageHash)
        try database.execute("DELETE FROM models WHERE stage_hash = ?", stageHash)
        try database.execute("DELETE FROM predictions WHERE stage_hash = ?", stageHash)
    }

    // MARK: Benchmarks and results

    /// Inserts benchmark items, replacing kind/family/payload of items already present.
    public func upsertBenchmarkItems(_ items: [BenchmarkItemRecord]) throws {
        try database.transaction {
            let upsert = try database.prepare("""
                INSERT INTO benchmark_items (benchmark, item_id, variant, kind, family, payload_json) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (benchmark, item_id, variant) DO UPDATE SET
                    kind = excluded.kind, family = excluded.family, payload_json = excluded.payload_json
                """)
            for item in items {
                try upsert.execute([item.benchmark, item.itemID, item.variant.rawValue, item.kind.rawValue,
                                    item.family, item.payloadJSON])
            }
        }
    }

    /// The benchmark's items ordered by variant then item id.
    public func benchmarkItems(benchmark: String) throws -> [BenchmarkItemRecord] {
        try database.query("SELECT * FROM benchmark_items WHERE benchmark = ? ORDER BY variant, item_id", benchmark)
            .map(BenchmarkItemRecord.init(row:))
    }

    /// Links an arm × seed × benchmark to its evaluation stage run (replacing an earlier link).
    /// The arm and seed must already be set on the experiment and the stage run must exist.
    public func linkArmResult(experimentID: Int64, _ result: ArmResultRecord) throws {
        try database.execute("""
            INSERT INTO arm_results (experiment_id, arm, seed, benchmark, kind, eval_hash) VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT (experiment_id, arm, seed, benchmark) DO UPDATE SET kind = excluded.kind, eval_hash = excluded.eval_hash
            """, experimentID, result.arm, result.seed, result.benchmark, result.kind.rawValue, result.evalHash)
    }

    /// Replaces the experiment's list of used stage runs.
    public func setExperimentStages(experimentID: Int64, _ stages: [ExperimentStageRecord]) throws {
        try database.transaction {
            try database.execute("DELETE FROM experiment_stages WHERE experiment_id = ?", experimentID)
            let insert = try database.prepare("""
                INSERT OR IGNORE INTO experiment_stages (experiment_id, stage_hash, kind, role, seed) VALUES (?, ?, ?, ?, ?)
                """)
            for s in stages { try insert.execute([experimentID, s.stageHash, s.kind, s.role, s.seed]) }
        }
    }

    /// The stage runs the experiment used, in insertion order.
    public func experimentStages(experimentID: Int64) throws -> [ExperimentStageRecord] {
        try database.query("""
            SELECT stage_hash, kind, role, seed FROM experiment_stages WHERE experiment_id = ? ORDER BY rowid
            """, experimentID).map {
            ExperimentStageRecord(stageHash: try $0.get("stage_hash"), kind: try $0.get("kind"), role: try $0.get("role"), seed: try $0.get("seed"))
        }
    }

    /// The experiment's links, in arm (spec) order, then seed, then benchmark.
    public func armResults(experimentID: Int64) throws -> [ArmResultRecord] {
        try database.query("""
            SELECT r.* FROM arm_results r JOIN arms a ON a.experiment_id = r.experiment_id AND a.name = r.arm
            WHERE r.experiment_id = ? ORDER BY a.position, r.seed, r.benchmark
            """, experimentID).map(ArmResultRecord.init(row:))
    }

    /// The `summary` view for one experiment, in arm (spec) order, then seed, benchmark, variant.
    public func summary(experiment: String) throws -> [SummaryRow] {
        try database.query("""
            SELECT s.* FROM summary s
            JOIN experiments e ON e.name = s.experiment
            JOIN arms a ON a.experiment_id = e.id AND a.name = s.arm
            WHERE s.experiment = ? ORDER BY a.position, s.seed, s.benchmark, s.variant
            """, experiment).map(SummaryRow.init(row:))
    }
}
