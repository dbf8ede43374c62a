import RetainYAML

/// Why a budget file was rejected, and where: a `YAMLError` (shared with the spec parser), named
/// for this module's callers.
///
///     baselines/example-budget.yaml:9:7: budgets[0].general_forgetting.max_points: expected a number in 0...100, found "three"
public typealias BudgetError = YAMLError

/// The parse context: the file name for positions. The typed reads (`text`, `number`, `choice`,
/// `list`, ...) come from `YAMLReader`.
struct BudgetContext: YAMLReader {
    let file: String
}
