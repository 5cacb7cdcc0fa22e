/// Levenshtein distance between names, for "did you mean" suggestions (job files, the agent's
/// configuration file, `corral isolate`'s options).
package enum EditDistance {
    /// Edits (insert, delete, substitute one Unicode scalar) between `a` and `b`, ignoring case.
    package static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a.lowercased().unicodeScalars), b = Array(b.lowercased().unicodeScalars)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var row = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            row[0] = i
            for j in 1...b.count {
                row[j] = min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&previous, &row)
        }
        return previous[b.count]
    }

    /// The candidate closest to `name`, if close enough to be a likely typo: one edit for names of
    /// up to three characters, two for longer ones. Ties go to the earlier candidate.
    package static func closest(to name: String, among candidates: [String]) -> String? {
        // Long inputs cannot be a typo of a schema name; skip the quadratic work.
        guard name.unicodeScalars.count <= 64 else { return nil }
        let limit = name.unicodeScalars.count <= 3 ? 1 : 2
        var best: (name: String, distance: Int)?
        for candidate in candidates where candidate != name {
            let distance = distance(name, candidate)
            if distance <= limit, distance < (best?.distance ?? .max) { best = (candidate, distance) }
        }
        return best?.name
    }
}
