import Foundation

/// The one escaping function for HTML (text, attribute values, inline SVG `<text>` and
/// `<title>`). Every string that comes from an analysis goes through it.
public enum HTMLEscape {
    /// Replaces `& < > " ' / \``  with character references, so the result is inert in element
    /// content and in quoted attribute values (also inside inline SVG). Escaping `/` means
    /// neither `</tag` nor a `//` URL can appear in the output.
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            case "/": out += "&#47;"
            case "`": out += "&#96;"
            case "\0": out += "\u{FFFD}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// `text` cut to `limit` characters with an ellipsis, then escaped (for chart labels; put the
    /// full text in a `<title>`).
    static func label(_ text: String, limit: Int = 28) -> String { escape(cut(text, limit: limit)) }

    /// `text` cut to `limit` characters with an ellipsis (not escaped).
    static func cut(_ text: String, limit: Int) -> String {
        text.count > limit ? String(text.prefix(limit - 1)) + "…" : text
    }
}

/// Shorthand used by the HTML renderer.
@inline(__always) func esc(_ text: String) -> String { HTMLEscape.escape(text) }
