/// "Did you mean …?" for a misspelt key or name: the closest known word by edit distance, when it
/// is close enough (at most 3 edits) to be a plausible typo.
package enum Suggestion {
    package static func closest(to word: String, in known: some Sequence<String>) -> String? {
        let best = known.min { editDistance($0, word) < editDistance($1, word) }
        return best.flatMap { editDistance($0, word) <= 3 ? $0 : nil }
    }

    /// " (did you mean X?)", or "" when nothing is close.
    package static func hint(for word: String, in known: some Sequence<String>) -> String {
        closest(to: word, in: known).map { " (did you mean \($0)?)" } ?? ""
    }

    /// Levenshtein distance.
    package static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}
