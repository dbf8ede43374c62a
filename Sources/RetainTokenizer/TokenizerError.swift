import Foundation

/// Errors thrown by the tokenizer, its trainer, its file format and the chat template.
public enum TokenizerError: Error, CustomStringConvertible, Equatable, Sendable {
    /// A token id outside `0..<vocabSize` was passed to `decode`.
    case unknownTokenID(Int)
    /// `train` was asked for a vocabulary too small to hold the 256 bytes and the special tokens.
    case invalidVocabSize(requested: Int, minimum: Int)
    /// A special token is empty or listed twice.
    case invalidSpecialToken(String, reason: String)
    /// The chat template needs a special token that this tokenizer does not define.
    case missingSpecialToken(String)
    /// Tokenizer data (not tied to a file) is inconsistent, e.g. a merge references an undefined id.
    case invalidModel(reason: String)
    /// A tokenizer file exists but its content is malformed; `reason` names the offending field.
    case malformedFile(path: String, reason: String)
    /// A tokenizer file could not be read.
    case fileReadFailed(path: String, reason: String)
    /// A tokenizer file could not be written.
    case fileWriteFailed(path: String, reason: String)

    public var description: String {
        switch self {
        case .unknownTokenID(let id):
            return "unknown token id \(id): not in this tokenizer's vocabulary"
        case .invalidVocabSize(let requested, let minimum):
            return "invalid vocabulary size \(requested): must be at least \(minimum) (256 byte tokens + special tokens)"
        case .invalidSpecialToken(let token, let reason):
            return "invalid special token \(token.debugDescription): \(reason)"
        case .missingSpecialToken(let token):
            return "the tokenizer has no special token \(token.debugDescription), which the chat template requires"
        case .invalidModel(let reason):
            return "invalid tokenizer data: \(reason)"
        case .malformedFile(let path, let reason):
            return "malformed tokenizer file '\(path)': \(reason)"
        case .fileReadFailed(let path, let reason):
            return "cannot read tokenizer file '\(path)': \(reason)"
        case .fileWriteFailed(let path, let reason):
            return "cannot write tokenizer file '\(path)': \(reason)"
        }
    }
}
