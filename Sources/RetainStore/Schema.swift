/// The experiment database's schema, as migrations.
///
/// Overview (schema version 1). Timestamps are ISO 8601 UTC text; JSON columns hold canonical
/// JSON (sorted keys) written by the orchestrator; all tables are STRICT so a value of the wrong
/// type is rejected at insert time.
///
/// Experiments (what the user asked for):
/// - `experiments`: one row per spec name; `spec_hash`/`spec_text` are the latest spec seen.
/// - `arms`: the spec's arms with their resolved config and spec order (`position`).
/// - `seeds`: the spec's seeds (UInt64 stored as the Int64 with the same bit pattern).
/// - `arm_results`: arm × seed × benchmark → the evaluation stage run (`eval_hash`) whose
///   `predictions` hold the per-item results; `kind` is the benchmark's kind (general/domain).
///
/// Stage runs (content-hash keyed, resumable work):
/// - `stage_runs`: one row per stage hash; `status` is running → done | failed. A 'running' row
///   found by a later `markRunning` is a crashed attempt and is reset (`attempts` counts tries).
/// - Output tables, all keyed by the producing `stage_hash` and written only inside
///   `ExperimentStore.complete` (one transaction): `instructions`, `responses` (the
///   `instruction_idx` indexes the instructions of an input stage), `judgments` (`score` NULL =
///   the judge's reply was unparseable), `datasets` + `examples`, `models`, `predictions`.
/// - `benchmark_items`: the items that predictions refer to (shared across stages, upserted).
///
/// - `experiment_stages` (version 2): every stage run an experiment used (ran or reused), with
///   its kind, the orchestrator's `role` (e.g. the synthesis recipe of a selection) and seed, so
///   analysis can find an experiment's reconstructed sets and stage times.
///
/// The `summary` view, one row per experiment × arm × seed × benchmark × variant:
/// - `experiment`: experiments.name
/// - `arm`, `seed`, `benchmark`, `kind`: from arm_results (`kind` is 'general' or 'domain')
/// - `variant`: 'mc' (log-likelihood multiple choice) or 'gen' (generation + answer extraction)
/// - `n`: number of predictions (items scored) in the linked evaluation run for that benchmark
/// - `accuracy`: mean of `correct` (mc: argmax of summed log-likelihood; gen: lenient extraction)
/// - `n_norm`: number of those predictions with a non-NULL `correct_norm`
/// - `accuracy_norm`: mean of `correct_norm` over them (mc: acc_norm, length-normalised
///   log-likelihood; gen: strict-extraction correctness); NULL when no prediction has one
public enum Schema {
    /// The version this code writes; opening a newer database fails.
    public static var version: Int { migrations.count }

    /// Every migration, in order.
    public static let migrations: [Migration] = [
        Migration(version: 1, name: "initial schema", sql: v1),
        Migration(version: 2, name: "experiment stages", sql: v2),
    ]

    /// The tables `tableCounts()` reports, in dependency order.
    public static let tables = [
        "schema_migrations", "experiments", "arms", "seeds", "stage_runs", "instructions", "responses",
        "judgments", "datasets", "examples", "models", "benchmark_items", "predictions", "arm_results", "experiment_stages",
    ]

    /// Tables holding a stage's outputs, keyed by `stage_hash`; `complete` clears them first.
    /// (`examples` goes with its dataset via ON DELETE CASCADE.)
    static let outputTables = ["instructions", "responses", "judgments", "datasets", "models", "predictions"]

    static let v1 = """
        CREATE TABLE experiments (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            spec_hash TEXT NOT NULL,
            spec_text TEXT NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        ) STRICT;

        CREATE TABLE arms (
            experiment_id INTEGER NOT NULL REFERENCES experiments(id) ON DELETE CASCADE,
            name TEXT NOT NULL,
            config_json TEXT NOT NULL,
            position INTEGER NOT NULL,
            PRIMARY KEY (experiment_id, name)
        ) STRICT;

        CREATE TABLE seeds (
            experiment_id INTEGER NOT NULL REFERENCES experiments(id) ON DELETE CASCADE,
            seed INTEGER NOT NULL,
            PRIMARY KEY (experiment_id, seed)
        ) STRICT;

        CREATE TABLE stage_runs (
            hash TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            config_json TEXT NOT NULL,
            inputs_json TEXT NOT NULL,
            code_version INTEGER NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed')),
            started_at TEXT,
            finished_at TEXT,
            wall_seconds REAL,
            stats_json TEXT,
            error TEXT,
            attempts INTEGER NOT NULL DEFAULT 0
        ) STRICT;
        CREATE INDEX stage_runs_status ON stage_runs(status, kind);

        CREATE TABLE instructions (
            stage_hash TEXT NOT NULL REFERENCES stage_runs(hash) ON DELETE CASCADE,
            idx INTEGER NOT NULL,
            text TEXT NOT NULL,
            PRIMARY KEY (stage_hash, idx)
        ) STRICT;

        CREATE TABLE responses (
            stage_hash TEXT NOT NULL REFERENCES stage_runs(hash) ON DELETE CASCADE,
            instruction_idx INTEGER NOT NULL,
            response_idx INTEGER NOT NULL,
            generator TEXT NOT NULL,
            sample_idx INTEGER NOT NULL,
            text TEXT NOT NULL,
            finish_reason TEXT NOT NULL,
            PRIMARY KEY (stage_hash, instruction_idx, response_idx)
        ) STRICT;

        CREATE TABLE judgments (
            stage_hash TEXT NOT NULL REFERENCES stage_runs(hash) ON DELETE CASCADE,
            instruction_idx INTEGER NOT NULL,
            response_idx INTEGER NOT NULL,
            judge TEXT NOT NULL,
            score REAL,
            raw TEXT NOT NULL,
            PRIMARY KEY (stage_hash, instruction_idx, response_idx, judge)
        ) STRICT;

        CREATE TABLE datasets (
            hash TEXT PRIMARY KEY,
            stage_hash TEXT NOT NULL REFERENCES stage_runs(hash) ON DELETE CASCADE,
            name TEXT NOT NULL,
            count INTEGER NOT NULL
        ) STRICT;
        CREATE INDEX datasets_stage ON datasets(stage_hash);

        CREATE TABLE examples (
            dataset_hash TEXT NOT NULL REFERENCES datasets(hash) ON DELETE CASCADE,
            idx INTEGER NOT NULL,
            family TEXT,
            source TEXT,
            conversation_json TEXT NOT NULL,
            meta_json TEXT,
            PRIMARY KEY (dataset_hash, idx)
        ) STRICT;

        CREATE TABLE models (
            hash TEXT PRIMARY KEY,
            stage_hash TEXT NOT NULL REFERENCES stage_runs(hash) ON DELETE CASCADE,
            identifier TEXT NOT NULL,
            checkpoint_path TEXT,
            checkpoint_hash TEXT
        ) STRICT;
        CREATE INDEX models_stage ON models(stage_hash);

        CREATE TABLE benchmark_items (
            benchmark TEXT NOT NULL,
            item_id TEXT NOT NULL,
            variant TEXT NOT NULL CHECK (variant IN ('mc', 'gen')),
            kind TEXT NOT NULL CHECK (kind IN ('general', 'domain')),
            family TEXT NOT NULL,
            payload_json TEXT NOT NULL,
            PRIMARY KEY (benchmark, item_id, variant)
        ) STRICT;

        -- No foreign key to benchmark_items: an evaluation may score items before (or without)
        -- the orchestrator registering them; the summary view does not need them.
        CREATE TABLE predictions (
            stage_hash TEXT NOT NULL REFERENCES stage_runs(hash) ON DELETE CASCADE,
            benchmark TEXT NOT NULL,
            item_id TEXT NOT NULL,
            variant TEXT NOT NULL CHECK (variant IN ('mc', 'gen')),
            correct INTEGER NOT NULL CHECK (correct IN (0, 1)),
            correct_norm INTEGER CHECK (correct_norm IN (0, 1)),
            extracted TEXT,
            output_json TEXT NOT NULL,
            PRIMARY KEY (stage_hash, benchmark, item_id, variant)
        ) STRICT;

        CREATE TABLE arm_results (
            experiment_id INTEGER NOT NULL,
            arm TEXT NOT NULL,
            seed INTEGER NOT NULL,
            benchmark TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('general', 'domain')),
            eval_hash TEXT NOT NULL REFERENCES stage_runs(hash),
            PRIMARY KEY (experiment_id, arm, seed, benchmark),
            FOREIGN KEY (experiment_id, arm) REFERENCES arms(experiment_id, name) ON DELETE CASCADE,
            FOREIGN KEY (experiment_id, seed) REFERENCES seeds(experiment_id, seed) ON DELETE CASCADE
        ) STRICT;
        CREATE INDEX arm_results_eval ON arm_results(eval_hash);

        -- Documented on `Schema` in Schema.swift. The join on (stage_hash, benchmark) uses the
        -- predictions primary key prefix.
        CREATE VIEW summary AS
        SELECT e.name AS experiment,
               r.arm AS arm,
               r.seed AS seed,
               r.benchmark AS benchmark,
               r.kind AS kind,
               p.variant AS variant,
               COUNT(*) AS n,
               AVG(p.correct) AS accuracy,
               COUNT(p.correct_norm) AS n_norm,
               AVG(p.correct_norm) AS accuracy_norm
        FROM arm_results r
        JOIN experiments e ON e.id = r.experiment_id
        JOIN predictions p ON p.stage_hash = r.eval_hash AND p.benchmark = r.benchmark
        GROUP BY e.name, r.arm, r.seed, r.benchmark, r.kind, p.variant;
        """

    static let v2 = """
        CREATE TABLE experiment_stages (
            experiment_id INTEGER NOT NULL REFERENCES experiments(id) ON DELETE CASCADE,
            stage_hash TEXT NOT NULL REFERENCES stage_runs(hash),
            kind TEXT NOT NULL,
            role TEXT NOT NULL,
            seed INTEGER,
            PRIMARY KEY (experiment_id, stage_hash, role)
        ) STRICT;
        """
}
