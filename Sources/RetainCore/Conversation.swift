/// Who speaks a message, in OpenAI chat-messages terms.
public enum Role: String, Codable, Hashable, Sendable, CaseIterable {
    case system, user, assistant
}

/// One chat message.
public struct Message: Codable, Hashable, Sendable {
    public var role: Role
    public var content: String

    public init(role: Role, content: String) {
        self.role = role
        self.content = content
    }

    public static func system(_ content: String) -> Message { Message(role: .system, content: content) }
    public static func user(_ content: String) -> Message { Message(role: .user, content: content) }
    public static func assistant(_ content: String) -> Message { Message(role: .assistant, content: content) }
}

/// A chat transcript, the unit of every SFT set. Encodes as OpenAI-messages JSON
/// (`{"messages": [...], "family": ..., "source": ...}`; absent optionals are omitted).
public struct Conversation: Codable, Hashable, Sendable {
    public var messages: [Message]
    /// The task family the conversation was generated from, when known.
    public var family: String?
    /// The set it came from (e.g. "original", "publicA", "domain", "reconstructed").
    public var source: String?

    public init(messages: [Message], family: String? = nil, source: String? = nil) {
        self.messages = messages
        self.family = family
        self.source = source
    }

    /// The first user message's content, if any.
    public var instruction: String? { messages.first { $0.role == .user }?.content }
    /// The last assistant message's content, if any.
    public var response: String? { messages.last { $0.role == .assistant }?.content }
}
