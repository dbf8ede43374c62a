import Foundation
import RetainYAML

/// One way of building the fine-tuning data (an "arm" of the experiment). Written in YAML by its
/// `name`; `Arm(parsing:)` reads that spelling back, so `Arm(parsing: arm.name) == arm`.
///
/// | YAML | case | fine-tunes on |
/// |---|---|---|
/// | `instruct` | `.instruct` | nothing: the released instruct model as is (the reference) |
/// | `domain-only` | `.domainOnly` | the domain set alone |
/// | `domain-only-repeated` | `.domainOnlyRepeated` | the domain set alone, repeated to the mix arms' size (as many conversations, so about as many steps): the equal-compute control |
/// | `public-mix:NAME` | `.publicMix("NAME")` | the domain set mixed with public SFT set NAME |
/// | `reconstructed-mix` | `.reconstructedMix` | the domain set mixed with the reconstructed set (the method) |
/// | `oracle-replay` | `.oracleReplay` | the domain set mixed with the hidden original SFT set (built-in world only) |
/// | `one-model-one-response` | `.oneModelOneResponse` | ablation: reconstructed with the instruct model only, 1 response, no judge filter |
/// | `one-model-three-self-judged` | `.oneModelThreeSelfJudged` | ablation: instruct model only, 3 responses, judged by itself |
/// | `judge-set:NAME` | `.judgeSet("NAME")` | ablation: reconstructed like reconstructed-mix (every generator × K) but selected by judge set NAME of `synthesis.judge_sets` |
public enum Arm: Hashable, Sendable, CustomStringConvertible {
    case instruct
    case domainOnly
    /// Domain data only, repeated to the mix total, so it trains about as many steps as the mix
    /// arms (exactly as many conversations; steps differ by the conversations' lengths):
    /// separates "which data" from "how many steps".
    case domainOnlyRepeated
    case publicMix(String)
    case reconstructedMix
    case oracleReplay
    case oneModelOneResponse
    case oneModelThreeSelfJudged
    case judgeSet(String)

    /// The prefix of a public-mix arm; the public set's name follows it.
    public static let publicMixPrefix = "public-mix:"
    /// The prefix of a judge-set arm; the judge set's name follows it.
    public static let judgeSetPrefix = "judge-set:"

    /// Every spelling `Arm(parsing:)` accepts, `public-mix:<name>` and `judge-set:<name>` standing
    /// for their families.
    public static let allowedSpellings = [
        "instruct", "domain-only", "domain-only-repeated", "public-mix:<name>", "reconstructed-mix", "oracle-replay",
        "one-model-one-response", "one-model-three-self-judged", "judge-set:<name>",
    ]

    /// The arms without a parameter, by YAML name.
    static let fixedArms: [(String, Arm)] = [
        ("instruct", .instruct), ("domain-only", .domainOnly), ("domain-only-repeated", .domainOnlyRepeated), ("reconstructed-mix", .reconstructedMix),
        ("oracle-replay", .oracleReplay), ("one-model-one-response", .oneModelOneResponse),
        ("one-model-three-self-judged", .oneModelThreeSelfJudged),
    ]

    /// The YAML spelling (`public-mix:publicA`, `reconstructed-mix`, ...).
    public var name: String {
        switch self {
        case .instruct: return "instruct"
        case .domainOnly: return "domain-only"
        case .domainOnlyRepeated: return "domain-only-repeated"
        case .publicMix(let set): return Arm.publicMixPrefix + set
        case .reconstructedMix: return "reconstructed-mix"
        case .oracleReplay: return "oracle-replay"
        case .oneModelOneResponse: return "one-model-one-response"
        case .oneModelThreeSelfJudged: return "one-model-three-self-judged"
        case .judgeSet(let set): return Arm.judgeSetPrefix + set
        }
    }

    public var description: String { name }

    /// Parses a YAML spelling. Throws a `SpecError` (kind `.invalidValue`, path `arm`, no file
    /// position) naming the allowed spellings, with a "did you mean" suggestion for near misses;
    /// `SpecParser` re-throws it with the arm's file position and field path.
    public init(parsing text: String) throws {
        switch Arm.parse(text) {
        case .success(let arm): self = arm
        case .failure(let problem):
            throw SpecError(kind: .invalidValue, file: "", line: nil, column: nil, path: "arm", message: problem.message)
        }
    }

    struct Problem: Error { let message: String }

    /// The arms with a name parameter: prefix, what the name names, an example, and the case.
    static let namedArms: [(prefix: String, what: String, example: String, make: @Sendable (String) -> Arm)] = [
        (publicMixPrefix, "public set", "publicA", { .publicMix($0) }),
        (judgeSetPrefix, "judge set", "likelihood-only", { .judgeSet($0) }),
    ]

    static func parse(_ text: String) -> Result<Arm, Problem> {
        if let arm = fixedArms.first(where: { $0.0 == text })?.1 { return .success(arm) }
        for named in namedArms {
            let family = String(named.prefix.dropLast())
            if text.hasPrefix(named.prefix) {
                let name = String(text.dropFirst(named.prefix.count))
                if name.isEmpty {
                    return .failure(Problem(message: "\(family) needs a \(named.what) name after the colon (e.g. \(named.prefix)\(named.example)), found \"\(text)\""))
                }
                if !SpecNames.isValidName(name) {
                    return .failure(Problem(message: "\(named.what) name must match \(SpecNames.namePattern), found \"\(name)\" in \"\(text)\""))
                }
                return .success(named.make(name))
            }
            if text == family {
                return .failure(Problem(message: "\(family) needs a \(named.what) name after a colon (e.g. \(named.prefix)\(named.example)), found \"\(text)\""))
            }
        }
        var message = "unknown arm \(quotedName(text))"
        let families = namedArms.map { String($0.prefix.dropLast()) }
        if let suggestion = EditDistance.suggestion(for: text, among: fixedArms.map { $0.0 } + families) {
            message += "; did you mean \"\(families.contains(suggestion) ? suggestion + ":<name>" : suggestion)\"?"
        } else if let colon = text.firstIndex(of: ":"),
                  let family = families.first(where: { EditDistance.distance(String(text[..<colon]), $0) <= 2 }) {
            message += "; did you mean \"\(family)\(text[colon...])\"?"
        }
        message += " (allowed: \(allowedSpellings.joined(separator: ", ")))"
        return .failure(Problem(message: message))
    }

    /// Whether the arm fine-tunes at all (everything but `instruct`).
    public var isFineTuned: Bool { self != .instruct }

    /// Whether the arm mixes general data with the domain set (so `mix.general_share` applies and
    /// it can be swept): public-mix, reconstructed-mix, oracle-replay, both ablations and judge sets.
    public var isMix: Bool {
        switch self {
        case .instruct, .domainOnly, .domainOnlyRepeated: return false
        case .publicMix, .reconstructedMix, .oracleReplay, .oneModelOneResponse, .oneModelThreeSelfJudged, .judgeSet: return true
        }
    }

    /// Whether the arm's general data is synthesised from the instruct model (the `synthesis`
    /// section applies): reconstructed-mix, both ablations and judge sets.
    public var needsSynthesis: Bool {
        switch self {
        case .reconstructedMix, .oneModelOneResponse, .oneModelThreeSelfJudged, .judgeSet: return true
        case .instruct, .domainOnly, .domainOnlyRepeated, .publicMix, .oracleReplay: return false
        }
    }

    /// The public set a public-mix arm uses.
    public var publicSet: String? {
        if case .publicMix(let set) = self { return set }
        return nil
    }

    /// The judge set (a key of `synthesis.judge_sets`) a judge-set arm selects with.
    public var judgeSet: String? {
        if case .judgeSet(let set) = self { return set }
        return nil
    }
}

extension Arm: Codable {
    /// Decodes the YAML spelling (a single string).
    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        switch Arm.parse(text) {
        case .success(let arm): self = arm
        case .failure(let problem):
            throw DecodingError.dataCorruptedError(in: container, debugDescription: problem.message)
        }
    }

    /// Encodes the YAML spelling (a single string).
    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(name)
    }
}

/// Name rules shared by the experiment name, public and judge set names, and messages.
enum SpecNames {
    static let namePattern = "[A-Za-z0-9._-]{1,64}"

    static func isValidName(_ s: String) -> Bool {
        guard (1...64).contains(s.unicodeScalars.count) else { return false }
        return s.unicodeScalars.allSatisfy { c in
            (c >= "A" && c <= "Z") || (c >= "a" && c <= "z") || (c >= "0" && c <= "9") || c == "." || c == "_" || c == "-"
        }
    }
}
