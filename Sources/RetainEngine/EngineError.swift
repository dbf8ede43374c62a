/// Errors raised by the engine for inputs it cannot use.
public enum EngineError: Error, CustomStringConvertible, Equatable {
    case tokenOutOfRange(token: Int, vocabSize: Int, position: Int)
    case shapeMismatch(what: String, expected: Int, got: Int)
    case sequenceTooLong(length: Int, maxSeqLen: Int)
    case invalidArgument(String)

    public var description: String {
        switch self {
        case let .tokenOutOfRange(token, vocab, position):
            return "token id \(token) at position \(position) is outside the vocabulary [0, \(vocab))"
        case let .shapeMismatch(what, expected, got):
            return "\(what): expected \(expected) values, got \(got)"
        case let .sequenceTooLong(length, maxSeqLen):
            return "sequence of \(length) tokens exceeds the model's maxSeqLen \(maxSeqLen)"
        case let .invalidArgument(message):
            return message
        }
    }
}
