import RetainCore

/// A fictional country.
public struct Country: Codable, Hashable, Sendable {
    public var name: String
    public var capital: String
    public var language: String
    /// Population in millions.
    public var population: Int
}

/// A fictional animal.
public struct Animal: Codable, Hashable, Sendable {
    public var name: String
    public var legs: Int
    public var colour: String
    public var habitat: String
}

/// A made-up chemical element.
public struct Element: Codable, Hashable, Sendable {
    public var name: String
    /// Two letters, capitalised ("Vx"); unique in the world.
    public var symbol: String
    public var atomicNumber: Int
}

/// The general knowledge base: facts an instruct model is expected to know from pretraining.
public struct GeneralKnowledgeBase: Codable, Hashable, Sendable {
    public var countries: [Country]
    public var animals: [Animal]
    public var elements: [Element]

    public static let colours = ["red", "blue", "green", "yellow", "brown", "black", "white", "grey", "orange", "purple"]
    public static let habitats = ["forest", "desert", "ocean", "river", "mountain", "swamp", "grassland", "tundra", "cave", "jungle"]
    public static let legCounts = [0, 2, 4, 6, 8]

    public func country(named name: String) -> Country? { countries.first { $0.name == name } }
    public func country(withCapital capital: String) -> Country? { countries.first { $0.capital == capital } }
    public func animal(named name: String) -> Animal? { animals.first { $0.name == name } }
    public func element(named name: String) -> Element? { elements.first { $0.name == name } }

    /// Every language spoken somewhere, sorted.
    public var languages: [String] { Array(Set(countries.map(\.language))).sorted() }
}

/// A fictional disease.
public struct Disease: Codable, Hashable, Sendable {
    public var name: String
    /// Two distinct symptoms; the first is the main one (what "the main symptom" questions ask).
    public var symptoms: [String]
    /// The drug that treats it.
    public var treatment: String
}

/// A fictional drug.
public struct Drug: Codable, Hashable, Sendable {
    public var name: String
    /// Standard adult dose in milligrams.
    public var doseMg: Int
    /// The condition in which the drug must not be given.
    public var contraindication: String
}

/// The domain knowledge base (fictional medicine): what the user's domain set teaches and the
/// pretraining corpus mentions only rarely.
public struct MedicalKnowledgeBase: Codable, Hashable, Sendable {
    public var diseases: [Disease]
    public var drugs: [Drug]

    public static let symptoms = ["fever", "rash", "cough", "fatigue", "headache", "nausea", "dizziness", "chills",
                                  "swelling", "itching", "insomnia", "tremor", "wheezing", "numbness", "cramps", "vomiting"]
    public static let conditions = ["pregnancy", "asthma", "diabetes", "hypertension", "epilepsy", "glaucoma", "anemia", "gout"]
    public static let doses = [5, 10, 20, 25, 40, 50, 75, 100, 125, 150, 200, 250, 300, 400, 500, 750]

    public func disease(named name: String) -> Disease? { diseases.first { $0.name == name } }
    public func drug(named name: String) -> Drug? { drugs.first { $0.name == name } }
}

enum KnowledgeBaseBuilder {
    static func general(countries: Int, animals: Int, elements: Int,
                        names: inout NameGenerator, rng: inout WorldRandom) -> GeneralKnowledgeBase {
        // Fewer languages than countries, so some are shared (capital -> country stays unique).
        let languages = (0..<max(1, (countries + 1) / 2)).map { _ in names.next(syllables: 2...2, endings: ["ese", "ic", "ish", "ian"]) }
        let cs = (0..<countries).map { _ -> Country in
            let name = names.next()
            let capital = names.next()
            return Country(name: name, capital: capital, language: rng.pick(languages), population: rng.int(in: 1...200))
        }
        let an = (0..<animals).map { _ in
            Animal(name: names.next(), legs: rng.pick(GeneralKnowledgeBase.legCounts),
                   colour: rng.pick(GeneralKnowledgeBase.colours), habitat: rng.pick(GeneralKnowledgeBase.habitats))
        }
        var symbols: Set<String> = []
        var numbers = rng.shuffled(Array(1...max(118, elements * 2)))
        let el = (0..<elements).map { _ -> Element in
            let name = names.next(endings: ["ium", "on", "ine"])
            let letters = Array(name.lowercased())
            // First letter plus a later letter of the name, the way real symbols are formed; else
            // first letter plus any free letter.
            let first = String(letters[0]).uppercased()
            let seconds = letters.dropFirst().map { String($0) } + "abcdefghijklmnopqrstuvwxyz".map { String($0) }
            guard let symbol = seconds.lazy.map({ first + $0 }).first(where: { !symbols.contains($0) }) else {
                preconditionFailure("more than 26 elements start with \(first)")   // needs thousands of elements
            }
            symbols.insert(symbol)
            return Element(name: name, symbol: symbol, atomicNumber: numbers.removeLast())
        }
        return GeneralKnowledgeBase(countries: cs, animals: an, elements: el)
    }

    static func medical(diseases: Int, names: inout NameGenerator, rng: inout WorldRandom) -> MedicalKnowledgeBase {
        let drugs = (0..<diseases).map { _ in
            Drug(name: names.next(endings: ["ex", "ol", "ine", "azole", "mab"]), doseMg: rng.pick(MedicalKnowledgeBase.doses),
                 contraindication: rng.pick(MedicalKnowledgeBase.conditions))
        }
        let treatments = rng.shuffled(drugs.map(\.name))   // one drug per disease
        let ds = (0..<diseases).map { i -> Disease in
            let symptoms = Array(rng.shuffled(MedicalKnowledgeBase.symptoms).prefix(2))
            return Disease(name: names.next(endings: ["itis", "osis", "emia", "algia"]), symptoms: symptoms, treatment: treatments[i])
        }
        return MedicalKnowledgeBase(diseases: ds, drugs: drugs)
    }
}
