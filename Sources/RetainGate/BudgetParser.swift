import Foundation
import RetainAnalysis
import RetainYAML
import Yams

/// Reads a `BudgetFile` from YAML.
///
/// Every error is a `BudgetError` naming `file:line:column`, the field path, what was found and
/// what is allowed. Unknown keys are errors (with a "did you mean" suggestion for a near miss);
/// absent or null optional fields take their documented defaults. Arm and benchmark names are
/// not checked here — the budget is read before the store — but by `Gate.evaluate`, which throws
/// a `GateError` naming the budget's position.
public enum BudgetParser {
    /// The top-level keys, in schema order.
    public static let topLevelKeys = ["experiment", "variant", "budgets"]

    /// Parses a budget from YAML text. `file` is used in error messages and budget locations.
    public static func parse(yaml: String, file: String = "<budget>") throws -> BudgetFile {
        let context = BudgetContext(file: file)
        // Budgets report a repeated key at its first occurrence (their wording predates the
        // spec parser's locator).
        let root = try YAMLDocument.compose(yaml: yaml, file: file,
                                            emptyMessage: "the budget file is empty; expected a mapping with at least the key budgets",
                                            locateDuplicateKeys: false)
        return try BudgetReader(context: context).read(root)
    }

    /// Reads and parses the budget file at `path` (errors name the path as given).
    public static func load(path: String) throws -> BudgetFile {
        let text: String
        do {
            text = try YAMLDocument.readFile(path: path, what: "budget")
        } catch let error as YAMLError {
            // Budget files keep their own wording: one message for every unreadable file, and no
            // position for bad UTF-8.
            if error.kind == .notUTF8 {
                throw BudgetError(kind: .notUTF8, file: path, line: nil, column: nil, path: "", message: "the budget file is not valid UTF-8")
            }
            throw BudgetError(kind: .fileNotFound, file: path, line: nil, column: nil, path: "", message: "no such budget file (or not readable)")
        }
        return try parse(yaml: text, file: path)
    }
}

/// Reads the sections of a composed budget document.
struct BudgetReader {
    let context: BudgetContext

    static let variants = MetricVariant.allCases.map { ($0.rawValue, $0) }
    static let ruleKeys: [String: [String]] = [
        "general_forgetting": ["arm", "max_points", "alpha", "variant"],
        "domain_gain": ["arm", "min_points", "benchmark", "variant"],
        "not_worse": ["arm", "than", "benchmark", "tolerance_points", "variant"],
        "family_forgetting": ["arm", "max_points", "metric", "benchmark", "variant"],
        "pinned": ["file", "max_points", "alpha", "exact", "tolerance_points"],
        "detects_forgetting": ["arm", "min_points", "alpha", "variant"],
    ]

    func read(_ root: Node) throws -> BudgetFile {
        let fields = try Fields(root, path: "", allowed: BudgetParser.topLevelKeys, context: context,
                                what: "a mapping with experiment, variant and budgets at the top level")
        var experiment: String?
        if let node = fields.value("experiment") {
            experiment = try context.text(node, "experiment", expected: "an experiment name", allowEmpty: false)
        }
        var variant = MetricVariant.mc
        if let node = fields.value("variant") { variant = try context.choice(node, "variant", BudgetReader.variants) }
        let listNode = try fields.required("budgets", "a non-empty list of budgets, each with a name and one rule")
        let what = "budgets (each a mapping with name and one of \(BudgetRule.keys.joined(separator: ", ")))"
        let items = try context.list(listNode, "budgets", of: what)
        guard !items.isEmpty else {
            throw context.error(.outOfRange, listNode, "budgets", "expected a non-empty list of \(what), found an empty list")
        }
        var budgets: [Budget] = []
        var firstIndex: [String: Int] = [:]
        for (i, item) in items.enumerated() {
            let budget = try readBudget(item, "budgets[\(i)]", defaultVariant: variant)
            if let earlier = firstIndex[budget.name] {
                throw context.error(.duplicate, item, "budgets[\(i)].name",
                                    "duplicate budget name \(quotedName(budget.name)) (already given as budgets[\(earlier)]); each name may appear once")
            }
            firstIndex[budget.name] = i
            budgets.append(budget)
        }
        return BudgetFile(experiment: experiment, variant: variant, budgets: budgets, file: context.file)
    }

    func readBudget(_ node: Node, _ path: String, defaultVariant: MetricVariant) throws -> Budget {
        let f = try Fields(node, path: path, allowed: ["name"] + BudgetRule.keys, context: context,
                           what: "a budget mapping with name and one of \(BudgetRule.keys.joined(separator: ", "))")
        let name = try context.text(try f.required("name", "a non-empty budget name"), f.path("name"),
                                    expected: "a non-empty budget name", allowEmpty: false)
        let present = f.keys.filter { $0 != "name" }
        guard let key = present.first else {
            throw context.error(.missingRequired, node, path,
                                "budget \(quotedName(name)) has no rule; expected exactly one of \(BudgetRule.keys.joined(separator: ", "))")
        }
        guard present.count == 1 else {
            throw context.error(.inconsistent, f.keyNode(present[1]), f.path(present[1]),
                                "budget \(quotedName(name)) already has the rule \(key); give each rule its own budget (one rule per budget)")
        }
        let rulePath = f.path(key)
        let ruleNode = try f.required(key, "a mapping with \(BudgetReader.ruleKeys[key]!.joined(separator: ", "))")
        let r = try Fields(ruleNode, path: rulePath, allowed: BudgetReader.ruleKeys[key]!, context: context,
                           what: "a mapping with \(BudgetReader.ruleKeys[key]!.joined(separator: ", "))")
        let rule = try readRule(key, r, defaultVariant: defaultVariant)
        let mark = node.mark
        return Budget(name: name, rule: rule,
                      location: SourceLocation(file: context.file, line: mark?.line ?? 1, column: mark?.column ?? 1), path: path)
    }

    func readRule(_ key: String, _ r: Fields, defaultVariant: MetricVariant) throws -> BudgetRule {
        func arm(_ field: String = "arm") throws -> String {
            try context.text(try r.required(field, "an arm name such as reconstructed-mix"), r.path(field),
                             expected: "an arm name such as reconstructed-mix", allowEmpty: false)
        }
        func points(_ field: String, _ bounds: Bounds, default value: Double? = nil) throws -> Double {
            guard let node = r.value(field) else {
                if let value { return value }
                _ = try r.required(field, "a number of points in \(bounds.text)")
                return 0
            }
            return try context.number(node, r.path(field), in: bounds)
        }
        func alpha() throws -> Double {
            guard let node = r.value("alpha") else { return 0.05 }
            return try context.number(node, r.path("alpha"), in: .openClosed(0, 0.5))
        }
        func variant() throws -> MetricVariant {
            guard let node = r.value("variant") else { return defaultVariant }
            return try context.choice(node, r.path("variant"), BudgetReader.variants)
        }
        func benchmark(default value: BenchmarkSelector) throws -> BenchmarkSelector {
            guard let node = r.value("benchmark") else { return value }
            return BenchmarkSelector(try context.text(node, r.path("benchmark"), expected: "general, domain or a benchmark name",
                                                      allowEmpty: false))
        }
        switch key {
        case "general_forgetting":
            return .generalForgetting(GeneralForgettingRule(arm: try arm(), maxPoints: try points("max_points", .closed(0, 100)),
                                                            alpha: try alpha(), variant: try variant()))
        case "detects_forgetting":
            return .detectsForgetting(DetectsForgettingRule(arm: try arm(), minPoints: try points("min_points", .closed(0, 100)),
                                                            alpha: try alpha(), variant: try variant()))
        case "domain_gain":
            return .domainGain(DomainGainRule(arm: try arm(), minPoints: try points("min_points", .closed(-100, 100)),
                                              benchmark: try benchmark(default: .kind(.domain)), variant: try variant()))
        case "not_worse":
            return .notWorse(NotWorseRule(arm: try arm(), than: try arm("than"), benchmark: try benchmark(default: .kind(.general)),
                                          tolerancePoints: try points("tolerance_points", .closed(0, 100), default: 0), variant: try variant()))
        case "family_forgetting":
            var metric = FamilyMetric.F
            if let node = r.value("metric") { metric = try context.choice(node, r.path("metric"), FamilyMetric.allCases.map { ($0.rawValue, $0) }) }
            return .familyForgetting(FamilyForgettingRule(arm: try arm(), maxPoints: try points("max_points", .closed(0, 100)), metric: metric,
                                                          benchmark: try benchmark(default: .kind(.general)), variant: try variant()))
        default: // "pinned"
            let file = try context.text(try r.required("file", "the path of a pinned results JSON file"), r.path("file"),
                                        expected: "the path of a pinned results JSON file", allowEmpty: false)
            let exact = try r.value("exact").map { try context.boolean($0, r.path("exact")) } ?? false
            if exact {
                // exact compares every item: a tolerance or a significance level would be ignored.
                for field in ["max_points", "tolerance_points", "alpha"] {
                    guard let keyNode = r.keyNode(field) else { continue }
                    throw context.error(.inconsistent, keyNode, r.path(field),
                                        "exact: true requires every item to match, so \(field) does not apply; remove it (or set exact: false)")
                }
                return .pinned(PinnedRule(file: file, check: .exact))
            }
            // tolerance_points is the format-1 spelling of max_points.
            if r.keyNode("max_points") != nil, let older = r.keyNode("tolerance_points") {
                throw context.error(.inconsistent, older, r.path("tolerance_points"),
                                    "tolerance_points is another spelling of max_points; give one of them")
            }
            let maxPoints: Double
            if r.keyNode("max_points") == nil, let node = r.value("tolerance_points") {
                maxPoints = try context.number(node, r.path("tolerance_points"), in: .closed(0, 100))
            } else {
                maxPoints = try context.number(
                    try r.required("max_points", "a number of points in 0...100 (the largest allowed |Δ| per pinned record), or exact: true"),
                    r.path("max_points"), in: .closed(0, 100))
            }
            let alpha: Double
            if let node = r.value("alpha") { alpha = try context.number(node, r.path("alpha"), in: .openClosed(0, 0.5)) } else { alpha = 0.05 }
            return .pinned(PinnedRule(file: file, check: .statistical(alpha: alpha, maxPoints: maxPoints)))
        }
    }
}
