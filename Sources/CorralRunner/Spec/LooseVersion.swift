/// A version as Nomad's `version` and `semver` constraints read one: numeric segments (`1`, `1.2`,
/// `v1.2.3`, missing ones are 0), an optional pre-release (`-beta.1`) and build metadata (`+abc`,
/// ignored). Constraints are comma-separated terms, all of which must hold: `>= 1.2, < 2.0`, `~> 1.2`
/// (pessimistic: at least 1.2, below 2.0), `!= 1.4.1`, `= 1.0`. As in Nomad, a pre-release version
/// satisfies only terms that name a pre-release of the same segments.
package struct LooseVersion: Equatable, Sendable {
    package var segments: [Int]
    package var prerelease: [String]
    /// How many segments were written (for `~>`).
    package var written: Int

    package init?(_ text: String) {
        var body = Substring(text.trimmed(" "))
        if body.hasPrefix("v") { body = body.dropFirst() }
        if let plus = body.firstIndex(of: "+") { body = body[..<plus] }
        var release = Substring("")
        if let dash = body.firstIndex(of: "-") {
            release = body[body.index(after: dash)...]
            body = body[..<dash]
        }
        let parts = body.split(separator: ".", omittingEmptySubsequences: false)
        guard !parts.isEmpty, parts.count <= 16 else { return nil }
        var numbers: [Int] = []
        for part in parts {
            guard !part.isEmpty, part.allSatisfy(\.isASCII), let number = Int(part), number >= 0 else { return nil }
            numbers.append(number)
        }
        written = numbers.count
        while numbers.count < 3 { numbers.append(0) }
        segments = numbers
        prerelease = release.isEmpty ? [] : release.split(separator: ".").map(String.init)
        if prerelease.contains(where: \.isEmpty) { return nil }
    }

    /// -1, 0 or 1, as semantic versioning orders versions (a pre-release comes before its release).
    package static func compare(_ a: LooseVersion, _ b: LooseVersion) -> Int {
        for index in 0..<max(a.segments.count, b.segments.count) {
            let x = index < a.segments.count ? a.segments[index] : 0
            let y = index < b.segments.count ? b.segments[index] : 0
            if x != y { return x < y ? -1 : 1 }
        }
        switch (a.prerelease.isEmpty, b.prerelease.isEmpty) {
        case (true, true): return 0
        case (true, false): return 1
        case (false, true): return -1
        case (false, false): break
        }
        for (x, y) in zip(a.prerelease, b.prerelease) where x != y {
            switch (Int(x), Int(y)) {
            case let (l?, r?): return l < r ? -1 : 1
            case (.some, nil): return -1
            case (nil, .some): return 1
            default: return x < y ? -1 : 1
            }
        }
        return a.prerelease.count == b.prerelease.count ? 0 : (a.prerelease.count < b.prerelease.count ? -1 : 1)
    }

    /// The comma-separated terms of a constraint, each an operator (`=` when none is written) and a
    /// version; nil when one is not a term.
    package static func terms(of constraint: String) -> [(operation: String, bound: LooseVersion)]? {
        let written = constraint.split(separator: ",")
        guard !written.isEmpty else { return nil }
        var terms: [(operation: String, bound: LooseVersion)] = []
        for term in written {
            var text = Substring(term.trimmed(" "))
            var operation = "="
            for candidate in ["~>", ">=", "<=", "!=", "==", ">", "<", "="] where text.hasPrefix(candidate) {
                operation = candidate
                text = text.dropFirst(candidate.count)
                break
            }
            guard let bound = LooseVersion(String(text)) else { return nil }
            terms.append((operation, bound))
        }
        return terms
    }

    /// Whether `version` meets every comma-separated term of `constraint`; false for a term that is
    /// not one (as Nomad treats a constraint it cannot parse).
    package static func satisfies(_ version: LooseVersion, _ constraint: String, strict: Bool) -> Bool {
        guard let terms = terms(of: constraint) else { return false }
        for (operation, bound) in terms {
            // A pre-release is compared only with terms about the same release's pre-releases.
            if !version.prerelease.isEmpty && (bound.prerelease.isEmpty || bound.segments != version.segments) && !strict {
                return false
            }
            let order = compare(version, bound)
            let holds: Bool
            switch operation {
            case "=", "==": holds = order == 0
            case "!=": holds = order != 0
            case ">": holds = order > 0
            case "<": holds = order < 0
            case ">=": holds = order >= 0
            case "<=": holds = order <= 0
            case "~>" where bound.written == 1:
                // ~> 1 has no ceiling (as go-version reads it): at least 1.
                holds = order >= 0
            default:
                // ~> 1.2 is >= 1.2 and < 2.0; ~> 1.2.3 is >= 1.2.3 and < 1.3.0.
                var ceiling = bound.segments
                let bump = max(bound.written - 2, 0)
                let (raised, overflow) = ceiling[bump].addingReportingOverflow(1)
                ceiling[bump] = raised
                for index in (bump + 1)..<ceiling.count { ceiling[index] = 0 }
                var upper = bound
                upper.segments = ceiling
                upper.prerelease = []
                // No version lies above the largest segment: then only the lower bound holds.
                holds = order >= 0 && (overflow || compare(version, upper) < 0)
            }
            if !holds { return false }
        }
        return true
    }
}

extension StringProtocol {
    /// Without the leading and trailing characters of `set` (Foundation-free).
    func trimmed(_ set: String) -> String {
        let characters = Set(set)
        var text = Substring(self)
        while let first = text.first, characters.contains(first) { text = text.dropFirst() }
        while let last = text.last, characters.contains(last) { text = text.dropLast() }
        return String(text)
    }
}
