import Foundation

/// Whole-database views for tests and debugging.
extension ExperimentStore {
    /// Row count of every table in `Schema.tables`.
    public func tableCounts() throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for table in Schema.tables {
            // Identifiers cannot be bound; these come from a fixed list, never from input.
            counts[table] = try database.scalar("SELECT COUNT(*) FROM \"\(table)\"", as: Int.self) ?? 0
        }
        return counts
    }

    /// Every stored row that describes results, one line each, in a canonical order, without
    /// anything that depends on when or how often work ran (timestamps, wall time, stats, error
    /// text, attempts, experiment row ids). Two runs of the same experiment, one interrupted and
    /// resumed and one not, give equal dumps.
    public func dumpOutputs() throws -> String {
        var lines: [String] = []
        for (label, sql) in ExperimentStore.dumpQueries {
            for row in try database.query(sql) {
                let fields = zip(row.columns, row.values).map { "\($0)=\($1)" }
                lines.append(label + " " + fields.joined(separator: " "))
            }
        }
        return lines.joined(separator: "\n")
    }

    private static let dumpQueries: [(String, String)] = [
        ("experiment", "SELECT name, spec_hash, spec_text FROM experiments ORDER BY name"),
        ("arm", """
            SELECT e.name AS experiment, a.position, a.name, a.config_json FROM arms a
            JOIN experiments e ON e.id = a.experiment_id ORDER BY e.name, a.position
            """),
        ("seed", """
            SELECT e.name AS experiment, s.seed FROM seeds s JOIN experiments e ON e.id = s.experiment_id
            ORDER BY e.name, s.seed
            """),
        ("stage_run", "SELECT hash, kind, status, code_version, config_json, inputs_json FROM stage_runs ORDER BY hash"),
        ("instruction", "SELECT stage_hash, idx, text FROM instructions ORDER BY stage_hash, idx"),
        ("response", """
            SELECT stage_hash, instruction_idx, response_idx, generator, sample_idx, text, finish_reason FROM responses
            ORDER BY stage_hash, instruction_idx, response_idx
            """),
        ("judgment", """
            SELECT stage_hash, instruction_idx, response_idx, judge, score, raw FROM judgments
            ORDER BY stage_hash, instruction_idx, response_idx, judge
            """),
        ("dataset", "SELECT hash, stage_hash, name, count FROM datasets ORDER BY hash"),
        ("example", """
            SELECT dataset_hash, idx, family, source, conversation_json, meta_json FROM examples ORDER BY dataset_hash, idx
            """),
        ("model", "SELECT hash, stage_hash, identifier, checkpoint_path, checkpoint_hash FROM models ORDER BY hash"),
        ("benchmark_item", """
            SELECT benchmark, item_id, variant, kind, family, payload_json FROM benchmark_items ORDER BY benchmark, item_id, variant
            """),
        ("prediction", """
            SELECT stage_hash, benchmark, item_id, variant, correct, correct_norm, extracted, output_json FROM predictions
            ORDER BY stage_hash, benchmark, item_id, variant
            """),
        ("arm_result", """
            SELECT e.name AS experiment, r.arm, r.seed, r.benchmark, r.kind, r.eval_hash FROM arm_results r
            JOIN experiments e ON e.id = r.experiment_id ORDER BY e.name, r.arm, r.seed, r.benchmark
            """),
    ]
}
