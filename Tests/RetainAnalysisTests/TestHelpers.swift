import RetainAnalysis

/// Paired outcomes with exactly the given transition counts, ids "<prefix>-000", "<prefix>-001", …
func makeOutcomes(family: String, n00: Int = 0, n01: Int = 0, n10: Int = 0, n11: Int = 0,
                  prefix: String? = nil) -> [PairedOutcome] {
    let cells: [(Bool, Bool, Int)] = [(false, false, n00), (false, true, n01), (true, false, n10), (true, true, n11)]
    var result: [PairedOutcome] = []
    for (before, after, count) in cells {
        for _ in 0..<count {
            let id = "\(prefix ?? family)-" + String(format: "%03d", result.count)
            result.append(PairedOutcome(itemID: id, family: family, before: before, after: after))
        }
    }
    return result
}

/// Splits paired outcomes back into the two unpaired result lists.
func unpair(_ outcomes: [PairedOutcome]) -> (before: [ItemOutcome], after: [ItemOutcome]) {
    (outcomes.map { ItemOutcome(itemID: $0.itemID, family: $0.family, correct: $0.before) },
     outcomes.map { ItemOutcome(itemID: $0.itemID, family: $0.family, correct: $0.after) })
}
