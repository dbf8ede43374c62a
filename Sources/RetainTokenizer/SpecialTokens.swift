/// String constants for the ChatML control tokens.
///
/// Special tokens are only produced by `BPETokenizer.encode(_:allowSpecial:)` with
/// `allowSpecial: true`; untrusted text always encodes them as plain bytes.
public enum SpecialTokens {
    /// Marks a document boundary in pre-training data.
    public static let endOfText = "<|endoftext|>"
    /// Opens a chat turn; followed by the role name and a newline.
    public static let imStart = "<|im_start|>"
    /// Closes a chat turn.
    public static let imEnd = "<|im_end|>"
    /// Padding; never produced by the chat template.
    public static let pad = "<|pad|>"

    /// The full ChatML set, in the order `BPETokenizer.train` should append it.
    public static let chatML: [String] = [endOfText, imStart, imEnd, pad]
}
