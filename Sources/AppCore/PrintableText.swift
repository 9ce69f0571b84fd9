/// Text from modules (log lines, manifest fields, trap messages) made safe to print on one line:
/// a module must not be able to forge a line of the application core's output (`\n` followed by
/// `session established …`) or drive the terminal (ESC sequences).
public enum PrintableText {
    /// `text` with every control character (C0, DEL, C1) written as an escape: `\n`, `\r`, `\t`,
    /// else `\u{XX}`. Backslashes are left alone (so escaping twice changes nothing): a literal
    /// `\n` in the text cannot start a line either.
    public static func escaped(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isControl) else { return text }
        var out = ""
        out.reserveCapacity(text.utf8.count + 8)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where isControl(scalar): out += "\\u{\(String(scalar.value, radix: 16))}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// The first line of `text`, escaped, at most `limit` characters (an ellipsis marks a cut):
    /// for error messages that may carry a backtrace of any size.
    public static func summary(_ text: String, limit: Int = 400) -> String {
        let first = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).first.map(String.init) ?? ""
        let escaped = escaped(first)
        guard escaped.count > limit else { return escaped }
        return String(escaped.prefix(limit)) + "…"
    }

    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
    }
}
