/// The author of a chat turn.
public enum ChatRole: String, Codable, Sendable, Hashable, CaseIterable {
    case system, user, assistant
}

/// One turn of a conversation.
public struct ChatMessage: Codable, Hashable, Sendable {
    /// Who wrote the turn.
    public var role: ChatRole
    /// The turn's text (untrusted: always encoded with `allowSpecial: false`).
    public var content: String

    /// A turn by `role` with text `content`.
    public init(role: ChatRole, content: String) {
        self.role = role
        self.content = content
    }
}

/// A token-level encoding of a conversation, for training.
public struct EncodedChat: Hashable, Sendable {
    /// Token ids.
    public var ids: [Int]
    /// For every token, the role whose content it belongs to, or nil for template tokens.
    /// The `<|im_end|>` closing a user or assistant turn carries that turn's role.
    public var roles: [ChatRole?]

    /// An encoding from parallel arrays (`roles.count` should equal `ids.count`).
    public init(ids: [Int] = [], roles: [ChatRole?] = []) {
        self.ids = ids
        self.roles = roles
    }

    /// Number of tokens.
    public var count: Int { ids.count }

    mutating func append(_ newIDs: [Int], role: ChatRole?) {
        ids.append(contentsOf: newIDs)
        roles.append(contentsOf: repeatElement(role, count: newIDs.count))
    }
}

/// The ChatML template: every turn is `<|im_start|>role\n` + content + `<|im_end|>\n`.
///
/// ```
/// <|im_start|>system
/// You are helpful.<|im_end|>
/// <|im_start|>user
/// Hi<|im_end|>
/// <|im_start|>assistant
/// Hello!<|im_end|>
/// ```
public struct ChatTemplate: Sendable, Hashable {
    /// A default system prompt. When set, `render` and `encode` insert it as a first system
    /// turn into conversations that have no system message, and `preQueryPrefix` starts with it.
    public var systemPrompt: String?

    /// A ChatML template, optionally with a default system prompt.
    public init(systemPrompt: String? = nil) {
        self.systemPrompt = systemPrompt
    }

    /// The text that opens a turn of `role`: `<|im_start|>role\n`.
    public func header(for role: ChatRole) -> String {
        SpecialTokens.imStart + role.rawValue + "\n"
    }

    /// The text that closes a turn: `<|im_end|>`.
    public var endOfTurn: String { SpecialTokens.imEnd }

    /// The generation prompt that opens the assistant's reply: `<|im_start|>assistant\n`.
    public var assistantPrefix: String { header(for: .assistant) }

    /// Everything up to and including the start of a user turn's content: the default system
    /// turn (if `systemPrompt` is set) followed by `<|im_start|>user\n`.
    public var preQueryPrefix: String {
        var s = ""
        if let systemPrompt { s += renderTurn(ChatMessage(role: .system, content: systemPrompt)) }
        return s + header(for: .user)
    }

    /// The messages with the default system prompt inserted when there is no system turn.
    public func effectiveMessages(_ messages: [ChatMessage]) -> [ChatMessage] {
        guard let systemPrompt, !messages.contains(where: { $0.role == .system }) else { return messages }
        return [ChatMessage(role: .system, content: systemPrompt)] + messages
    }

    private func renderTurn(_ message: ChatMessage) -> String {
        header(for: message.role) + message.content + endOfTurn + "\n"
    }

    /// Renders a conversation as text; with `addGenerationPrompt` it ends with `assistantPrefix`.
    ///
    /// Note: the text contains the special-token strings, so encoding it requires
    /// `allowSpecial: true` and is only safe for trusted content; prefer `encode(_:with:)`.
    public func render(_ messages: [ChatMessage], addGenerationPrompt: Bool) -> String {
        var s = ""
        for message in effectiveMessages(messages) { s += renderTurn(message) }
        if addGenerationPrompt { s += assistantPrefix }
        return s
    }

    /// Encodes a conversation to ids with a role label per token, for training.
    ///
    /// `<|im_start|>` and `<|im_end|>` get their special ids; the role header (`"user\n"`) and the
    /// newline after `<|im_end|>` are plain text labelled nil. Content is encoded with
    /// `allowSpecial: false` and labelled with its turn's role. The `<|im_end|>` closing a user or
    /// assistant turn is labelled with that role (so a model learns to end its turns); a system
    /// turn's is nil.
    ///
    /// - Throws: `TokenizerError.missingSpecialToken` if the tokenizer lacks `<|im_start|>` or `<|im_end|>`.
    public func encode(_ messages: [ChatMessage], with tokenizer: BPETokenizer, addGenerationPrompt: Bool = false) throws -> EncodedChat {
        let (start, end) = try specialIDs(tokenizer)
        var out = EncodedChat()
        for message in effectiveMessages(messages) {
            appendTurn(message, start: start, end: end, tokenizer: tokenizer, to: &out)
        }
        if addGenerationPrompt { appendHeader(.assistant, start: start, tokenizer: tokenizer, to: &out) }
        return out
    }

    /// The ids of `preQueryPrefix`, encoded exactly as `encode` encodes the start of a conversation.
    public func encodePreQueryPrefix(with tokenizer: BPETokenizer) throws -> [Int] {
        let (start, end) = try specialIDs(tokenizer)
        var out = EncodedChat()
        if let systemPrompt {
            appendTurn(ChatMessage(role: .system, content: systemPrompt), start: start, end: end, tokenizer: tokenizer, to: &out)
        }
        appendHeader(.user, start: start, tokenizer: tokenizer, to: &out)
        return out.ids
    }

    /// The ids of `assistantPrefix` (the generation prompt).
    public func encodeAssistantPrefix(with tokenizer: BPETokenizer) throws -> [Int] {
        let (start, _) = try specialIDs(tokenizer)
        var out = EncodedChat()
        appendHeader(.assistant, start: start, tokenizer: tokenizer, to: &out)
        return out.ids
    }

    /// The id of `endOfTurn` (`<|im_end|>`) in `tokenizer`.
    public func endOfTurnID(in tokenizer: BPETokenizer) throws -> Int {
        try specialIDs(tokenizer).end
    }

    private func specialIDs(_ tokenizer: BPETokenizer) throws -> (start: Int, end: Int) {
        guard let start = tokenizer.id(ofSpecial: SpecialTokens.imStart) else {
            throw TokenizerError.missingSpecialToken(SpecialTokens.imStart)
        }
        guard let end = tokenizer.id(ofSpecial: SpecialTokens.imEnd) else {
            throw TokenizerError.missingSpecialToken(SpecialTokens.imEnd)
        }
        return (start, end)
    }

    private func appendHeader(_ role: ChatRole, start: Int, tokenizer: BPETokenizer, to out: inout EncodedChat) {
        out.append([start], role: nil)
        out.append(tokenizer.encode(role.rawValue + "\n", allowSpecial: false), role: nil)
    }

    private func appendTurn(_ message: ChatMessage, start: Int, end: Int, tokenizer: BPETokenizer, to out: inout EncodedChat) {
        appendHeader(message.role, start: start, tokenizer: tokenizer, to: &out)
        out.append(tokenizer.encode(message.content, allowSpecial: false), role: message.role)
        out.append([end], role: message.role == .system ? nil : message.role)
        out.append(tokenizer.encode("\n", allowSpecial: false), role: nil)
    }
}
