import RetainYAML

/// Why an experiment spec was rejected, and where: a `YAMLError` (shared with the budget parser),
/// named for this module's callers.
///
///     examples/quick.yaml:14:3: synthesis.temperature: expected a number in 0...2, found "hot"
public typealias SpecError = YAMLError

/// Levenshtein distance for "did you mean" suggestions (defined in RetainYAML; named here so the
/// arm parser and `@testable` tests find it without importing RetainYAML).
typealias EditDistance = RetainYAML.EditDistance

/// The parse context: the file name for positions and the models judges and generators may name.
/// The typed reads (`text`, `integer`, `number`, `choice`, `list`, ...) come from `YAMLReader`.
struct SpecContext: YAMLReader {
    let file: String
    let knownModels: [String]
}
