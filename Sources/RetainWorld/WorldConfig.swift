import Foundation
import RetainCore

/// How one public SFT set differs from the vendor's original set.
public struct PublicSetConfig: Codable, Hashable, Sendable {
    /// Name used in file names and reports ("publicA").
    public var name: String
    /// Conversations in the set.
    public var size: Int
    /// λ in [0, 1]: the family mix is (1 − λ)·original + λ·other, where `other` is a skewed mix of
    /// this set's own over the families it keeps. 0 keeps the original's proportions.
    public var mixShift: Double
    /// General families the set lacks entirely. They come from one shared random order of the
    /// families, so a set with more missing families misses a superset of another's.
    public var missingFamilies: Int
    /// How many of the original's phrasings per family the set shares; it always also uses the
    /// phrasings the original never uses. 0 = no phrasing in common.
    public var sharedTemplates: Int
    /// Name of its response style (`ResponseStyle.all`: bare, labelled, chatty, ...).
    public var style: String

    public init(name: String, size: Int, mixShift: Double, missingFamilies: Int, sharedTemplates: Int, style: String) {
        self.name = name
        self.size = size
        self.mixShift = mixShift
        self.missingFamilies = missingFamilies
        self.sharedTemplates = sharedTemplates
        self.style = style
    }
}

/// Every knob of the built-in world. Same config (seed included), same world, byte for byte.
public struct WorldConfig: Codable, Hashable, Sendable {
    public enum Preset: String, Codable, CaseIterable, Sendable {
        case quick, `default`, full
    }

    /// Root seed; every random draw of the world derives from it.
    public var seed: UInt64

    // Knowledge bases
    /// Fictional countries (capital, language, population): the capital/country/language lookups.
    public var countries: Int
    /// Fictional animals (legs, colour, habitat).
    public var animals: Int
    /// Made-up chemical elements (symbol, atomic number).
    public var elements: Int
    /// Fictional diseases, each with its own treatment drug (so also the number of drugs).
    public var diseases: Int

    // Pretraining corpus
    /// Times every general fact is written (each time in a freshly drawn phrasing).
    public var corpusPasses: Int
    /// Probability that a given medical fact is written in a given pass: low, so the instruct
    /// model knows the domain a little but not well.
    public var domainFactFrequency: Double
    /// Generic filler documents per pass (noise around the facts).
    public var fillerDocumentsPerPass: Int

    // SFT sets
    /// Conversations in the vendor's original (hidden) SFT set.
    public var originalSize: Int
    /// Phrasings per family the original set uses (of the five each family has); the rest are
    /// available to public sets only.
    public var originalTemplatesPerFamily: Int
    /// How uneven the original family mix is: weights ∝ exp(skew·u), u uniform in [−1, 1].
    public var originalMixSkew: Double
    /// The public sets, in increasing distance from the original.
    public var publicSets: [PublicSetConfig]
    /// Conversations in the user's domain set.
    public var domainSize: Int

    // Benchmarks
    /// Items per general family in the general benchmark (equal per family, so per-family
    /// forgetting can be read off).
    public var generalItemsPerFamily: Int
    /// Items per domain family in the domain benchmark.
    public var domainItemsPerFamily: Int

    public init(seed: UInt64, countries: Int, animals: Int, elements: Int, diseases: Int,
                corpusPasses: Int, domainFactFrequency: Double, fillerDocumentsPerPass: Int,
                originalSize: Int, originalTemplatesPerFamily: Int, originalMixSkew: Double,
                publicSets: [PublicSetConfig], domainSize: Int,
                generalItemsPerFamily: Int, domainItemsPerFamily: Int) {
        self.seed = seed
        self.countries = countries
        self.animals = animals
        self.elements = elements
        self.diseases = diseases
        self.corpusPasses = corpusPasses
        self.domainFactFrequency = domainFactFrequency
        self.fillerDocumentsPerPass = fillerDocumentsPerPass
        self.originalSize = originalSize
        self.originalTemplatesPerFamily = originalTemplatesPerFamily
        self.originalMixSkew = originalMixSkew
        self.publicSets = publicSets
        self.domainSize = domainSize
        self.generalItemsPerFamily = generalItemsPerFamily
        self.domainItemsPerFamily = domainItemsPerFamily
    }

    /// Three public sets at increasing distance: A is close (small λ, shares most phrasings),
    /// C is far (large λ, many families missing, no shared phrasing).
    static func publicSets(size: Int) -> [PublicSetConfig] {
        [
            PublicSetConfig(name: "publicA", size: size, mixShift: 0.2, missingFamilies: 2, sharedTemplates: 2, style: "bare"),
            PublicSetConfig(name: "publicB", size: size, mixShift: 0.5, missingFamilies: 4, sharedTemplates: 1, style: "labelled"),
            PublicSetConfig(name: "publicC", size: size, mixShift: 0.8, missingFamilies: 7, sharedTemplates: 0, style: "chatty"),
        ]
    }

    public static func preset(_ preset: Preset, seed: UInt64 = 1) -> WorldConfig {
        switch preset {
        case .quick:
            // CI and tests: builds in milliseconds; every family still has a few hundred examples.
            // 40 general items per family (880 mc items over 22 families): a 5-point drop is then
            // significant by McNemar at each seed (p <= 1e-4), where 20 per family gave p 0.02-0.07.
            return WorldConfig(
                seed: seed, countries: 20, animals: 16, elements: 12, diseases: 12,
                corpusPasses: 4, domainFactFrequency: 0.6, fillerDocumentsPerPass: 20,
                originalSize: 3000, originalTemplatesPerFamily: 3, originalMixSkew: 1.0,
                publicSets: publicSets(size: 2000), domainSize: 600,
                generalItemsPerFamily: 40, domainItemsPerFamily: 20)
        case .default:
            // The reproduction: enough entities that knowledge is not trivially memorised, enough
            // items per family (50) that a per-family accuracy moves in steps of 2 points, and 400
            // domain items so that, over five seeds, a 5-point domain difference is detectable.
            return WorldConfig(
                seed: seed, countries: 60, animals: 40, elements: 30, diseases: 40,
                corpusPasses: 10, domainFactFrequency: 0.5, fillerDocumentsPerPass: 100,
                originalSize: 12_000, originalTemplatesPerFamily: 3, originalMixSkew: 1.0,
                publicSets: publicSets(size: 8_000), domainSize: 4_000,
                generalItemsPerFamily: 50, domainItemsPerFamily: 100)
        case .full:
            // Larger models and longer runs: more facts to forget, tighter per-family intervals.
            return WorldConfig(
                seed: seed, countries: 150, animals: 100, elements: 80, diseases: 100,
                corpusPasses: 20, domainFactFrequency: 0.4, fillerDocumentsPerPass: 400,
                originalSize: 100_000, originalTemplatesPerFamily: 3, originalMixSkew: 1.0,
                publicSets: publicSets(size: 60_000), domainSize: 20_000,
                generalItemsPerFamily: 100, domainItemsPerFamily: 100)
        }
    }

    /// Bumped whenever a change to the generators changes what a given config builds, so caches
    /// keyed by `contentHash` do not serve a world from older code.
    public static let generatorVersion = 1

    /// FNV-1a 64 of the canonical JSON encoding (sorted keys) of this config together with
    /// `generatorVersion`, as 16 hex digits: the cache key of everything built from this config.
    public var contentHash: String {
        struct Keyed: Encodable { var config: WorldConfig; var generatorVersion: Int }
        // Encoding a struct of numbers, strings and arrays cannot fail.
        return (try? ContentHash.of(Keyed(config: self, generatorVersion: Self.generatorVersion))) ?? "encoding-failed"
    }

    /// Throws on values that cannot build a world, naming the field and the allowed range.
    public func validate() throws {
        func check(_ ok: Bool, _ field: String, _ allowed: String) throws {
            if !ok { throw WorldError.invalidConfig(field: field, allowed: allowed) }
        }
        try check(countries >= 4 && countries <= 2000, "countries", "4...2000")
        try check(animals >= 4 && animals <= 2000, "animals", "4...2000")
        try check(elements >= 4 && elements <= 300, "elements", "4...300")
        try check(diseases >= 4 && diseases <= 2000, "diseases", "4...2000")
        try check(corpusPasses >= 1, "corpusPasses", ">= 1")
        try check((0...1).contains(domainFactFrequency), "domainFactFrequency", "0...1")
        try check(fillerDocumentsPerPass >= 0, "fillerDocumentsPerPass", ">= 0")
        try check(originalSize >= 1, "originalSize", ">= 1")
        try check((1...4).contains(originalTemplatesPerFamily), "originalTemplatesPerFamily", "1...4 (families have 5 phrasings)")
        try check(originalMixSkew >= 0, "originalMixSkew", ">= 0")
        try check(domainSize >= 1, "domainSize", ">= 1")
        try check(generalItemsPerFamily >= 1, "generalItemsPerFamily", ">= 1")
        try check(domainItemsPerFamily >= 1, "domainItemsPerFamily", ">= 1")
        try check(Set(publicSets.map(\.name)).count == publicSets.count, "publicSets.name", "unique names")
        for (i, p) in publicSets.enumerated() {
            let f = "publicSets[\(i)]"
            try check(!p.name.isEmpty && p.name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }),
                      "\(f).name", "letters, digits, _ and -")
            try check(p.size >= 1, "\(f).size", ">= 1")
            try check((0...1).contains(p.mixShift), "\(f).mixShift", "0...1")
            try check(p.missingFamilies >= 0 && p.missingFamilies <= 12, "\(f).missingFamilies", "0...12")
            try check(p.sharedTemplates >= 0 && p.sharedTemplates <= originalTemplatesPerFamily, "\(f).sharedTemplates",
                      "0...originalTemplatesPerFamily")
            try check(ResponseStyle.named(p.style) != nil, "\(f).style", ResponseStyle.all.map(\.name).joined(separator: ", "))
        }
    }
}

public enum WorldError: Error, CustomStringConvertible, Equatable {
    case invalidConfig(field: String, allowed: String)
    /// A family cannot supply that many distinct held-out benchmark questions.
    case benchmarkCapacity(family: String, wanted: Int, found: Int)
    /// The benchmarks hold out (nearly) every instance of a family, so a training set cannot draw one.
    case trainingCapacity(family: String, set: String)

    public var description: String {
        switch self {
        case .invalidConfig(let field, let allowed):
            return "world config: \(field) must be \(allowed)"
        case .benchmarkCapacity(let family, let wanted, let found):
            return "world config: family \(family) has only \(found) distinct benchmark questions, \(wanted) requested; "
                + "lower the items per family or raise the number of entities"
        case .trainingCapacity(let family, let set):
            return "world config: the benchmarks hold out nearly every instance of family \(family), so set \(set) cannot draw one; "
                + "lower the benchmark items per family or raise the number of entities"
        }
    }
}
