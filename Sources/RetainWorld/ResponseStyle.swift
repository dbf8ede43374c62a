import Foundation

/// How an SFT set phrases its assistant replies around the short answer. Styles differ between the
/// original (vendor) set, each public set and the domain set: a model fine-tuned on another style
/// drifts away from the format its benchmarks were built around.
public struct ResponseStyle: Codable, Hashable, Sendable {
    public var name: String
    public var prefix: String
    public var suffix: String

    public init(name: String, prefix: String, suffix: String) {
        self.name = name
        self.prefix = prefix
        self.suffix = suffix
    }

    /// The reply for a short answer.
    public func render(_ answer: String) -> String { prefix + answer + suffix }

    /// Strict extraction: the text between prefix and suffix when the whole trimmed reply is
    /// exactly `prefix + answer + suffix` with a non-empty answer; nil otherwise.
    public func strictAnswer(in reply: String) -> String? {
        let t = reply.trimmingCharacters(in: .whitespacesAndNewlines)
        guard t.count > prefix.count + suffix.count, t.hasPrefix(prefix), t.hasSuffix(suffix) else { return nil }
        return String(t.dropFirst(prefix.count).dropLast(suffix.count))
    }

    /// The vendor's style: what the instruct model answers like, and what benchmark choices use.
    public static let original = ResponseStyle(name: "original", prefix: "The answer is ", suffix: ".")
    /// A bare answer.
    public static let bare = ResponseStyle(name: "bare", prefix: "", suffix: "")
    /// A labelled answer.
    public static let labelled = ResponseStyle(name: "labelled", prefix: "Answer: ", suffix: "")
    /// A chatty preamble.
    public static let chatty = ResponseStyle(name: "chatty", prefix: "Sure! Here it is: ", suffix: "")
    /// The user's domain data.
    public static let clinical = ResponseStyle(name: "clinical", prefix: "Clinical answer: ", suffix: ".")

    /// Every built-in style, by name.
    public static let all: [ResponseStyle] = [.original, .bare, .labelled, .chatty, .clinical]
    public static func named(_ name: String) -> ResponseStyle? { all.first { $0.name == name } }
}
