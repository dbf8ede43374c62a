import Foundation
import RetainCore

/// The built-in task families: general ones (arithmetic, strings, lists, units, world knowledge)
/// and domain ones (fictional medicine). Generated families draw their own numbers and words;
/// knowledge families draw entities from the knowledge bases.
public enum TaskCatalog {
    public typealias Fields = TaskFamily.Fields

    /// Every family, general first then domain, in a fixed order.
    public static func families(general kb: GeneralKnowledgeBase, medical med: MedicalKnowledgeBase) -> [TaskFamily] {
        generalFamilies(kb) + domainFamilies(med)
    }

    // MARK: - General, generated

    public static func generalFamilies(_ kb: GeneralKnowledgeBase) -> [TaskFamily] {
        var out: [TaskFamily] = [
            TaskFamily(
                name: "addition", kind: .general, summary: "sum of two numbers 0-99",
                templates: ["What is {a} plus {b}?", "Add {a} and {b}.", "Compute {a} + {b}.", "Calculate the sum of {a} and {b}.", "What do you get when you add {b} to {a}?"],
                slots: ["a": .number, "b": .number], answer: .integer, usesKnowledge: false,
                generate: { rng in ["a": "\(rng.int(in: 0...99))", "b": "\(rng.int(in: 0...99))"] },
                validate: { f in int(f, "a") != nil && int(f, "b") != nil },
                solve: { f in "\(int(f, "a")! + int(f, "b")!)" },
                distractors: { f, a, rng in numericNeighbours(Int(a)!, &rng) }),
            TaskFamily(
                name: "subtraction", kind: .general, summary: "difference a - b of two numbers 0-99 with a >= b",
                templates: ["What is {a} minus {b}?", "Subtract {b} from {a}.", "Compute {a} - {b}.", "Calculate the difference between {a} and {b}.", "What is left when you take {b} away from {a}?"],
                slots: ["a": .number, "b": .number], answer: .integer, usesKnowledge: false,
                generate: { rng in
                    let a = rng.int(in: 0...99)
                    return ["a": "\(a)", "b": "\(rng.int(in: 0...a))"]
                },
                validate: { f in
                    guard let a = int(f, "a"), let b = int(f, "b") else { return false }
                    return a >= b
                },
                solve: { f in "\(int(f, "a")! - int(f, "b")!)" },
                distractors: { f, a, rng in ["\(int(f, "a")! + int(f, "b")!)"] + numericNeighbours(Int(a)!, &rng) }),
            TaskFamily(
                name: "comparison", kind: .general, summary: "the larger of two different numbers 0-999",
                templates: ["Which is larger, {a} or {b}?", "Which number is bigger: {a} or {b}?", "What is the greater of {a} and {b}?", "Pick the larger number: {a}, {b}.", "Of {a} and {b}, which one is larger?"],
                slots: ["a": .number, "b": .number], answer: .integer, usesKnowledge: false,
                generate: { rng in
                    let a = rng.int(in: 0...999)
                    var b = rng.int(in: 0...999)
                    while b == a { b = rng.int(in: 0...999) }
                    return ["a": "\(a)", "b": "\(b)"]
                },
                validate: { f in
                    guard let a = int(f, "a"), let b = int(f, "b") else { return false }
                    return a != b
                },
                solve: { f in "\(max(int(f, "a")!, int(f, "b")!))" },
                distractors: { f, a, rng in
                    let x = int(f, "a")!, y = int(f, "b")!
                    return ["\(min(x, y))", "\(x + y)", "\(abs(x - y))"] + numericNeighbours(Int(a)!, &rng)
                }),
            TaskFamily(
                name: "parity", kind: .general, summary: "whether a number 0-999 is even or odd",
                templates: ["Is {n} even or odd?", "Is the number {n} odd or even?", "Tell me whether {n} is even or odd.", "Even or odd: {n}?", "What is the parity of {n}?"],
                slots: ["n": .number], answer: .vocabulary(["even", "odd"]), usesKnowledge: false, isBinary: true,
                generate: { rng in ["n": "\(rng.int(in: 0...999))"] },
                validate: { f in int(f, "n") != nil },
                solve: { f in int(f, "n")! % 2 == 0 ? "even" : "odd" },
                distractors: { _, a, _ in [a == "even" ? "odd" : "even", "neither", "both"] }),
            TaskFamily(
                name: "listMax", kind: .general, summary: "largest of 3-6 numbers 0-99",
                templates: ["What is the largest number in {list}?", "Find the maximum of {list}.", "Which is the biggest of these numbers: {list}?", "Give the max of the list {list}.", "Name the highest value among {list}."],
                slots: ["list": .numberList], answer: .integer, usesKnowledge: false,
                generate: { rng in ["list": randomList(&rng)] },
                validate: { f in list(f) != nil },
                solve: { f in "\(list(f)!.max()!)" },
                distractors: { f, a, rng in
                    let xs = list(f)!
                    return rng.shuffled(xs.map(String.init)) + ["\(xs.reduce(0, +))"] + numericNeighbours(Int(a)!, &rng)
                }),
            TaskFamily(
                name: "listSort", kind: .general, summary: "3-6 numbers 0-99 in ascending order",
                templates: ["Sort these numbers in ascending order: {list}.", "Arrange {list} from smallest to largest.", "Put {list} in increasing order.", "Order the numbers {list} from low to high.", "List {list} sorted from least to greatest."],
                slots: ["list": .numberList], answer: .integerList, usesKnowledge: false,
                generate: { rng in ["list": randomList(&rng)] },
                validate: { f in list(f) != nil },
                solve: { f in joined(list(f)!.sorted()) },
                distractors: { f, _, rng in
                    let xs = list(f)!, s = xs.sorted()
                    var swapped = s
                    swapped.swapAt(0, 1)
                    var pool = [joined(s.reversed()), joined(xs), joined(swapped)]
                    for _ in 0..<20 { pool.append(joined(rng.shuffled(xs))) }
                    pool.append(joined(s.map { $0 + 1 }))
                    pool.append(joined(s.dropLast() + [s.last! + 10]))
                    return pool
                }),
            TaskFamily(
                name: "listSum", kind: .general, summary: "sum of 3-6 numbers 0-99",
                templates: ["What is the sum of {list}?", "Add up the numbers {list}.", "Compute the total of {list}.", "What do {list} add up to?", "Find the sum of the list {list}."],
                slots: ["list": .numberList], answer: .integer, usesKnowledge: false,
                generate: { rng in ["list": randomList(&rng)] },
                validate: { f in list(f) != nil },
                solve: { f in "\(list(f)!.reduce(0, +))" },
                distractors: { f, a, rng in
                    let xs = list(f)!
                    return ["\(xs.max()!)", "\(xs.reduce(0, +) - xs.first!)"] + numericNeighbours(Int(a)!, &rng)
                }),
            TaskFamily(
                name: "unitConversion", kind: .general, summary: "1-99 of a unit in a smaller unit (km->m, m->cm, kg->g, hours->minutes, minutes->seconds)",
                templates: ["How many {to} are in {n} {from}?", "Convert {n} {from} to {to}.", "{n} {from} is how many {to}?", "Express {n} {from} in {to}.", "What is {n} {from} in {to}?"],
                slots: ["n": .number, "from": .word, "to": .word], answer: .integer, usesKnowledge: false,
                generate: { rng in
                    let u = rng.pick(units)
                    return ["n": "\(rng.int(in: 1...99))", "from": u.from, "to": u.to]
                },
                validate: { f in int(f, "n") != nil && unitFactor(f) != nil },
                solve: { f in "\(int(f, "n")! * unitFactor(f)!)" },
                distractors: { f, a, rng in
                    let n = int(f, "n")!, k = unitFactor(f)!
                    let others = Set(units.map(\.factor)).subtracting([k]).sorted().map { "\(n * $0)" }
                    return ["\(n * k * 10)", "\(n * k / 10)", "\(n)"] + others + numericNeighbours(Int(a)!, &rng)
                }),
            TaskFamily(
                name: "reverse", kind: .general, summary: "a made-up lowercase word spelled backwards",
                templates: ["Reverse the word {w}.", "Write {w} backwards.", "What is {w} spelled backwards?", "Spell the word {w} in reverse.", "Give the letters of {w} in reverse order."],
                slots: ["w": .word], answer: .word(caseSensitive: false), usesKnowledge: false,
                generate: { rng in ["w": NameGenerator.word(&rng)] },
                validate: { f in word(f) != nil },
                solve: { f in String(word(f)!.reversed()) },
                distractors: { f, a, rng in
                    let w = word(f)!
                    return [w, String(a.dropFirst()) + String(a.prefix(1)), String(a.prefix(a.count - 1)), swapFirstTwo(a)] + mutations(a, &rng)
                }),
            TaskFamily(
                name: "uppercase", kind: .general, summary: "a made-up lowercase word in capital letters",
                templates: ["Write {w} in capital letters.", "Convert {w} to uppercase.", "What is {w} in uppercase?", "Uppercase the word {w}.", "Change every letter of {w} to a capital."],
                slots: ["w": .word], answer: .word(caseSensitive: true), usesKnowledge: false,
                generate: { rng in ["w": NameGenerator.word(&rng)] },
                validate: { f in word(f) != nil },
                solve: { f in word(f)!.uppercased() },
                distractors: { f, a, rng in
                    let w = word(f)!
                    return [w, w.prefix(1).uppercased() + w.dropFirst(), String(w.reversed()).uppercased()] + mutations(a, &rng)
                }),
            TaskFamily(
                name: "wordLength", kind: .general, summary: "number of letters in a made-up word",
                templates: ["How many letters are in the word {w}?", "What is the length of the word {w}?", "Count the letters in {w}.", "How long is the word {w}?", "How many characters does {w} have?"],
                slots: ["w": .word], answer: .integer, usesKnowledge: false,
                generate: { rng in ["w": NameGenerator.word(&rng)] },
                validate: { f in word(f) != nil },
                solve: { f in "\(word(f)!.count)" },
                distractors: { _, a, rng in numericNeighbours(Int(a)!, &rng) }),
            TaskFamily(
                name: "firstLetter", kind: .general, summary: "first letter of a made-up word",
                templates: ["What is the first letter of {w}?", "Which letter does {w} start with?", "Give the initial letter of {w}.", "Name the first letter of the word {w}.", "With which letter does the word {w} begin?"],
                slots: ["w": .word], answer: .word(caseSensitive: false), usesKnowledge: false,
                generate: { rng in ["w": NameGenerator.word(&rng)] },
                validate: { f in word(f) != nil },
                solve: { f in String(word(f)!.prefix(1)) },
                distractors: { f, _, rng in
                    let w = word(f)!
                    return [String(w.last!), String(Array(w)[1])] + rng.shuffled(alphabet)
                }),
            TaskFamily(
                name: "countLetter", kind: .general, summary: "how often a letter occurs in a made-up word",
                templates: ["How many times does the letter {c} appear in {w}?", "Count the letter {c} in the word {w}.", "In the word {w}, how many times does {c} occur?", "How often does the letter {c} occur in {w}?", "Tell me how many {c} letters the word {w} contains."],
                slots: ["c": .letter, "w": .word], answer: .integer, usesKnowledge: false,
                generate: { rng in
                    let w = NameGenerator.word(&rng)
                    let c = rng.chance(0.8) ? String(rng.pick(Array(w))) : rng.pick(alphabet)
                    return ["c": c, "w": w]
                },
                validate: { f in word(f) != nil && f["c"]?.count == 1 },
                solve: { f in "\(word(f)!.filter { String($0) == f["c"]! }.count)" },
                distractors: { f, a, rng in ["\(word(f)!.count)"] + numericNeighbours(Int(a)!, &rng) }),
        ]
        out += knowledgeFamilies(kb)
        return out
    }

    // MARK: - General, knowledge

    static func knowledgeFamilies(_ kb: GeneralKnowledgeBase) -> [TaskFamily] {
        let countries = Dictionary(uniqueKeysWithValues: kb.countries.map { ($0.name, $0) })
        let byCapital = Dictionary(uniqueKeysWithValues: kb.countries.map { ($0.capital, $0) })
        let animals = Dictionary(uniqueKeysWithValues: kb.animals.map { ($0.name, $0) })
        let elements = Dictionary(uniqueKeysWithValues: kb.elements.map { ($0.name, $0) })
        let countryNames = kb.countries.map(\.name), capitals = kb.countries.map(\.capital)
        let animalNames = kb.animals.map(\.name), elementNames = kb.elements.map(\.name)
        let languages = kb.languages, symbols = kb.elements.map(\.symbol)
        let populations = kb.countries.map { "\($0.population)" }, atomicNumbers = kb.elements.map { "\($0.atomicNumber)" }

        return [
            TaskFamily(
                name: "capitalOf", kind: .general, summary: "country -> capital",
                templates: ["What is the capital of {country}?", "Name the capital city of {country}.", "Which city is the capital of {country}?", "{country} has which city as its capital?", "Tell me the capital of {country}."],
                slots: ["country": .name], answer: .vocabulary(capitals), usesKnowledge: true,
                generate: { rng in ["country": rng.pick(countryNames)] },
                validate: { f in countries[f["country"]!] != nil },
                solve: { f in countries[f["country"]!]!.capital },
                distractors: { _, _, rng in rng.shuffled(capitals) }),
            TaskFamily(
                name: "countryOfCapital", kind: .general, summary: "capital -> country",
                templates: ["{capital} is the capital of which country?", "Which country has {capital} as its capital?", "In which country is the capital city {capital}?", "Name the country whose capital is {capital}.", "Of which country is {capital} the capital?"],
                slots: ["capital": .name], answer: .vocabulary(countryNames), usesKnowledge: true,
                generate: { rng in ["capital": rng.pick(capitals)] },
                validate: { f in byCapital[f["capital"]!] != nil },
                solve: { f in byCapital[f["capital"]!]!.name },
                distractors: { _, _, rng in rng.shuffled(countryNames) }),
            TaskFamily(
                name: "languageOf", kind: .general, summary: "country -> language",
                templates: ["What language is spoken in {country}?", "Which language do people speak in {country}?", "Name the main language of {country}.", "What is the official language of {country}?", "In {country}, which language is spoken?"],
                slots: ["country": .name], answer: .vocabulary(languages), usesKnowledge: true,
                generate: { rng in ["country": rng.pick(countryNames)] },
                validate: { f in countries[f["country"]!] != nil },
                solve: { f in countries[f["country"]!]!.language },
                distractors: { _, _, rng in rng.shuffled(languages) }),
            TaskFamily(
                name: "population", kind: .general, summary: "country -> population in millions",
                templates: ["What is the population of {country} in millions?", "How many million people live in {country}?", "In millions, how many people does {country} have?", "Give the population of {country}, in millions.", "How populous is {country}, in millions of people?"],
                slots: ["country": .name], answer: .integer, usesKnowledge: true,
                generate: { rng in ["country": rng.pick(countryNames)] },
                validate: { f in countries[f["country"]!] != nil },
                solve: { f in "\(countries[f["country"]!]!.population)" },
                distractors: { _, a, rng in rng.shuffled(populations) + numericNeighbours(Int(a)!, &rng) }),
            TaskFamily(
                name: "animalLegs", kind: .general, summary: "yes/no: does the animal have n legs",
                templates: ["Does the {animal} have {n} legs?", "Is it true that the {animal} has {n} legs?", "Answer yes or no: does the {animal} walk on {n} legs?", "Has the {animal} got {n} legs?", "Yes or no, is the {animal} an animal with {n} legs?"],
                slots: ["animal": .name, "n": .number], answer: .vocabulary(["yes", "no"]), usesKnowledge: true, isBinary: true,
                generate: { rng in
                    let a = animals[rng.pick(animalNames)]!
                    let n = rng.chance(0.5) ? a.legs : rng.pick(GeneralKnowledgeBase.legCounts.filter { $0 != a.legs })
                    return ["animal": a.name, "n": "\(n)"]
                },
                validate: { f in animals[f["animal"]!] != nil && int(f, "n") != nil },
                solve: { f in animals[f["animal"]!]!.legs == int(f, "n")! ? "yes" : "no" },
                distractors: { _, a, _ in [a == "yes" ? "no" : "yes", "maybe", "unknown"] }),
            TaskFamily(
                name: "animalHabitat", kind: .general, summary: "animal -> habitat",
                templates: ["Where does the {animal} live?", "What is the natural habitat of the {animal}?", "In what kind of place is the {animal} found?", "Name the habitat of the {animal}.", "Which habitat is home to the {animal}?"],
                slots: ["animal": .name], answer: .vocabulary(GeneralKnowledgeBase.habitats), usesKnowledge: true,
                generate: { rng in ["animal": rng.pick(animalNames)] },
                validate: { f in animals[f["animal"]!] != nil },
                solve: { f in animals[f["animal"]!]!.habitat },
                distractors: { _, _, rng in rng.shuffled(GeneralKnowledgeBase.habitats) }),
            TaskFamily(
                name: "animalColour", kind: .general, summary: "animal -> colour",
                templates: ["What colour is the {animal}?", "Which colour does the {animal} have?", "Name the colour of the {animal}.", "Describe the colour of the {animal} in one word.", "The {animal} is usually what colour?"],
                slots: ["animal": .name], answer: .vocabulary(GeneralKnowledgeBase.colours), usesKnowledge: true,
                generate: { rng in ["animal": rng.pick(animalNames)] },
                validate: { f in animals[f["animal"]!] != nil },
                solve: { f in animals[f["animal"]!]!.colour },
                distractors: { _, _, rng in rng.shuffled(GeneralKnowledgeBase.colours) }),
            TaskFamily(
                name: "elementSymbol", kind: .general, summary: "element -> chemical symbol",
                templates: ["What is the chemical symbol of {element}?", "Give the symbol for the element {element}.", "Which symbol stands for {element}?", "Write the element symbol of {element}.", "How is {element} abbreviated in chemistry?"],
                slots: ["element": .name], answer: .vocabulary(symbols), usesKnowledge: true,
                generate: { rng in ["element": rng.pick(elementNames)] },
                validate: { f in elements[f["element"]!] != nil },
                solve: { f in elements[f["element"]!]!.symbol },
                distractors: { _, _, rng in rng.shuffled(symbols) }),
            TaskFamily(
                name: "atomicNumber", kind: .general, summary: "element -> atomic number",
                templates: ["What is the atomic number of {element}?", "Give the atomic number of the element {element}.", "How many protons does an atom of {element} have?", "Which atomic number does {element} have?", "State the atomic number of {element}."],
                slots: ["element": .name], answer: .integer, usesKnowledge: true,
                generate: { rng in ["element": rng.pick(elementNames)] },
                validate: { f in elements[f["element"]!] != nil },
                solve: { f in "\(elements[f["element"]!]!.atomicNumber)" },
                distractors: { _, a, rng in rng.shuffled(atomicNumbers) + numericNeighbours(Int(a)!, &rng) }),
        ]
    }

    // MARK: - Domain (fictional medicine)

    public static func domainFamilies(_ med: MedicalKnowledgeBase) -> [TaskFamily] {
        let diseases = Dictionary(uniqueKeysWithValues: med.diseases.map { ($0.name, $0) })
        let drugs = Dictionary(uniqueKeysWithValues: med.drugs.map { ($0.name, $0) })
        let diseaseNames = med.diseases.map(\.name), drugNames = med.drugs.map(\.name)
        let doses = MedicalKnowledgeBase.doses.map(String.init)
        return [
            TaskFamily(
                name: "diseaseTreatment", kind: .domain, summary: "disease -> the drug that treats it",
                templates: ["Which drug treats {disease}?", "What is the treatment for {disease}?", "Which medication is prescribed for {disease}?", "Name the drug used against {disease}.", "A patient has {disease}. Which drug should they get?"],
                slots: ["disease": .name], answer: .vocabulary(drugNames), usesKnowledge: true,
                generate: { rng in ["disease": rng.pick(diseaseNames)] },
                validate: { f in diseases[f["disease"]!] != nil },
                solve: { f in diseases[f["disease"]!]!.treatment },
                distractors: { _, _, rng in rng.shuffled(drugNames) }),
            TaskFamily(
                name: "diseaseSymptom", kind: .domain, summary: "disease -> its main symptom",
                templates: ["What is the main symptom of {disease}?", "Which symptom is most typical of {disease}?", "Name the primary symptom of {disease}.", "What symptom does {disease} mainly cause?", "Patients with {disease} mostly show which symptom?"],
                slots: ["disease": .name], answer: .vocabulary(MedicalKnowledgeBase.symptoms), usesKnowledge: true,
                generate: { rng in ["disease": rng.pick(diseaseNames)] },
                validate: { f in diseases[f["disease"]!] != nil },
                solve: { f in diseases[f["disease"]!]!.symptoms[0] },
                // The secondary symptom first: the most plausible wrong answer.
                distractors: { f, _, rng in [diseases[f["disease"]!]!.symptoms[1]] + rng.shuffled(MedicalKnowledgeBase.symptoms) }),
            TaskFamily(
                name: "drugDose", kind: .domain, summary: "drug -> standard dose in mg",
                templates: ["What is the standard dose of {drug} in mg?", "How many milligrams of {drug} is a normal dose?", "Give the usual dose of {drug}, in mg.", "What dose of {drug} should an adult take, in milligrams?", "In mg, how much {drug} is one dose?"],
                slots: ["drug": .name], answer: .integer, usesKnowledge: true,
                generate: { rng in ["drug": rng.pick(drugNames)] },
                validate: { f in drugs[f["drug"]!] != nil },
                solve: { f in "\(drugs[f["drug"]!]!.doseMg)" },
                distractors: { _, _, rng in rng.shuffled(doses) }),
            TaskFamily(
                name: "drugContraindication", kind: .domain, summary: "yes/no: must the drug be avoided with a condition",
                templates: ["Should {drug} be avoided in patients with {condition}?", "Is {drug} contraindicated in {condition}?", "Answer yes or no: is {condition} a contraindication for {drug}?", "Must a patient with {condition} avoid {drug}?", "Is it unsafe to give {drug} to someone with {condition}?"],
                slots: ["drug": .name, "condition": .word], answer: .vocabulary(["yes", "no"]), usesKnowledge: true, isBinary: true,
                generate: { rng in
                    let d = drugs[rng.pick(drugNames)]!
                    let c = rng.chance(0.5) ? d.contraindication : rng.pick(MedicalKnowledgeBase.conditions.filter { $0 != d.contraindication })
                    return ["drug": d.name, "condition": c]
                },
                validate: { f in drugs[f["drug"]!] != nil && MedicalKnowledgeBase.conditions.contains(f["condition"]!) },
                solve: { f in drugs[f["drug"]!]!.contraindication == f["condition"]! ? "yes" : "no" },
                distractors: { _, a, _ in [a == "yes" ? "no" : "yes", "maybe", "unknown"] }),
        ]
    }

    // MARK: - Helpers

    static let alphabet = "abcdefghijklmnopqrstuvwxyz".map { String($0) }
    static let units: [(from: String, to: String, factor: Int)] = [
        ("kilometers", "meters", 1000), ("meters", "centimeters", 100), ("kilograms", "grams", 1000),
        ("hours", "minutes", 60), ("minutes", "seconds", 60),
    ]

    /// A number field in canonical decimal form (no sign, no leading zeros) up to 6 digits.
    static func int(_ f: Fields, _ key: String) -> Int? {
        guard let s = f[key], s.count <= 6, let v = Int(s), String(v) == s else { return nil }
        return v
    }

    /// A list field: 2-10 canonical numbers.
    static func list(_ f: Fields) -> [Int]? {
        guard let s = f["list"] else { return nil }
        let parts = s.components(separatedBy: ", ")
        let xs = parts.compactMap { p -> Int? in
            guard p.count <= 6, let v = Int(p), String(v) == p else { return nil }
            return v
        }
        return xs.count == parts.count && (2...10).contains(xs.count) ? xs : nil
    }

    /// A word field: 2-16 lowercase letters.
    static func word(_ f: Fields) -> String? {
        guard let w = f["w"], (2...16).contains(w.count), w.utf8.allSatisfy({ $0 >= 97 && $0 <= 122 }) else { return nil }
        return w
    }

    static func unitFactor(_ f: Fields) -> Int? {
        units.first { $0.from == f["from"] && $0.to == f["to"] }?.factor
    }

    static func randomList(_ rng: inout WorldRandom) -> String {
        joined((0..<rng.int(in: 3...6)).map { _ in rng.int(in: 0...99) })
    }

    static func joined(_ xs: some Sequence<Int>) -> String { xs.map(String.init).joined(separator: ", ") }

    /// Off-by-one-style wrong numbers (never negative), most plausible first.
    static func numericNeighbours(_ x: Int, _ rng: inout WorldRandom) -> [String] {
        let near = rng.shuffled([x + 1, x - 1, x + 2, x - 2, x + 10, x - 10])
        return (near + [x + 3, x + 4, x + 5, x + 20, x * 2 + 1]).filter { $0 >= 0 }.map(String.init)
    }

    static func swapFirstTwo(_ s: String) -> String {
        var cs = Array(s)
        if cs.count > 1 { cs.swapAt(0, 1) }
        return String(cs)
    }

    /// Single-letter substitutions of `s` (keeping its case), for open-vocabulary distractors.
    static func mutations(_ s: String, _ rng: inout WorldRandom) -> [String] {
        let upper = s.uppercased() == s && s.lowercased() != s
        return (0..<12).map { _ in
            var cs = Array(s)
            let letter = Character(rng.pick(alphabet))
            cs[rng.int(below: cs.count)] = upper ? Character(letter.uppercased()) : letter
            return String(cs)
        }
    }
}
