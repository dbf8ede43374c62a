import Foundation
import RetainAnalysis
import RetainOrchestrator
import RetainSpec
import RetainStore
import RetainVendor
import RetainWorld

/// Opening stores and rebuilding an experiment's world, shared by run, reproduce, report, gate
/// and export.
enum ExperimentLoading {
    /// The built-in world environment a spec names (models are trained or loaded only when used).
    static func environment(_ spec: ExperimentSpec, cache: String?, log: @escaping (String) -> Void) throws -> WorldEnvironment {
        guard let preset = WorldConfig.Preset(rawValue: spec.world.preset.rawValue) else {
            throw CLIError("world.preset: \(spec.world.preset.rawValue) is not a built-in preset")
        }
        let world = try World(config: .preset(preset, seed: spec.world.seed))
        let vendorCache = cache.map { ModelCache(root: URL(fileURLWithPath: $0, isDirectory: true)) } ?? ModelCache()
        return WorldEnvironment(world: world, plan: .preset(preset), cache: vendorCache, log: log)
    }

    /// Opens a store that must exist (reading commands never create one).
    static func openExisting(_ path: String) throws -> ExperimentStore {
        guard FileManager.default.fileExists(atPath: path) else { throw CLIError("\(path): no such store; create one with `retain run` or `retain reproduce`") }
        return try ExperimentStore(path: path)
    }

    /// The experiment to read: the named one, else the only one in the store.
    static func experimentName(_ store: ExperimentStore, _ requested: String?) throws -> String {
        let names = try store.experiments().map(\.name)
        if let requested {
            guard names.contains(requested) else {
                throw CLIError("\(store.path): no experiment \"\(requested)\" (it has: \(names.joined(separator: ", ")))")
            }
            return requested
        }
        guard names.count == 1 else {
            throw CLIError("\(store.path): \(names.isEmpty ? "has no experiments" : "holds \(names.count) experiments (\(names.joined(separator: ", "))); choose one with --experiment")")
        }
        return names[0]
    }

    /// The analysis of a stored experiment, its world rebuilt from the stored spec for fidelity.
    /// `itemOutcomes` receives the per-item records the analysis pairs (see `ExperimentAnalyzer.analyze`).
    static func analysis(_ store: ExperimentStore, experiment: String, log: @escaping (String) -> Void,
                         itemOutcomes: ((ItemOutcomeRecord) -> Void)? = nil) throws -> ExperimentAnalysis {
        guard let record = try store.experiment(named: experiment) else { throw CLIError("no experiment \(experiment)") }
        let spec = try SpecParser.parse(yaml: record.specText, file: "\(store.path) (spec of \(experiment))")
        let environment = try self.environment(spec, cache: nil, log: log)
        return try ExperimentAnalyzer.analyze(experiment: experiment, store: store, environment: environment,
                                              preset: spec.world.preset.rawValue, itemOutcomes: itemOutcomes)
    }
}
