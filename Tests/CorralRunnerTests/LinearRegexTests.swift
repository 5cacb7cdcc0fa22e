@testable import CorralRunner
import Testing

/// Job-supplied patterns: RE2's everyday forms match as RE2 matches them, and no pattern can stall
/// the matcher or grow it without bound.
@Suite(.timeLimit(.minutes(1))) struct LinearRegexTests {
    func matches(_ pattern: String, _ text: String) -> Bool? { LinearRegex(pattern)?.matches(text) }

    @Test(arguments: [
        ("^/dev/sd", "/dev/sda1", true), ("inu", "linux", true), ("^win", "linux", false),
        ("linux|darwin", "darwin", true), ("^(linux|darwin)$", "linuxx", false), ("^r[0-9]+$", "r12", true),
        ("^r\\d+$", "r12", true), ("^r\\d+$", "rx", false), ("^[\\w-]+$", "eu-west_1", true), ("\\s", "no-space", false),
        ("(?i)^LINUX$", "linux", true), ("(?i)^[A-Z]+$", "linux", true), ("^[A-Z]+$", "linux", false),
        ("a\\.b", "a.b", true), ("a\\.b", "axb", false), ("a.b", "a\nb", false), ("^a{2,3}$", "aaa", true),
        ("^a{2,3}$", "aaaa", false), ("^a{2}$", "aa", true), ("^a{2,}$", "aaaaa", true), ("x{", "x{", true),
        ("^[^a-c]+$", "xyz", true), ("^[^a-c]+$", "xaz", false), ("[]a]", "]", true), ("^[a-]+$", "a-a", true),
        ("\\bnode\\b", "my node 1", true), ("\\bnode\\b", "nodes", false), ("^(?:ab)+$", "abab", true),
        ("^(?P<v>\\d+)\\.(?<w>\\d+)$", "6.1", true), ("[[:alpha:]]+[[:digit:]]", "abc1", true), ("", "anything", true),
        ("^$", "", true), ("a*?b", "aab", true), ("^\\$\\{", "${x}", true), ("\\Aab\\z", "ab", true),
        ("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", "123e4567-e89b-12d3-a456-426614174000", true),
        ("(?i)^[ÄÖÜ]+$", "äö", true), ("(?i)^[А-Я]+$", "привет", true), ("(?i)^Ä$", "ä", true), ("\\s", "\u{0B}", false),
        ("^a\\_b$", "a_b", true), ("^[\\D]+$", "ab", true), ("^[\\D]+$", "a1", false), ("^[\\W\\d]+$", "-1", true),
    ])
    func patternsMatchAsRE2Does(pattern: String, text: String, expected: Bool) {
        #expect(matches(pattern, text) == expected, "\(pattern) on \(text)")
    }

    @Test(arguments: ["(", ")", "[", "[a", "a)", "*a", "+", "(a)\\1", "(?=a)", "(?!a)", "(?s)a", "\\q", "a{2,1}", "^*",
                      "[z-a]", "(?P<>a)", "a**", "a{2}{3}", "a+*", "a{1001}"])
    func whatTheEngineCannotTakeIsRefused(pattern: String) {
        #expect(LinearRegex(pattern) == nil, "\(pattern)")
    }

    @Test func sizeIsBoundedAfterRepetitionsAreWrittenOut() {
        #expect(LinearRegex(String(repeating: "a", count: LinearRegex.maximumPatternLength + 1)) == nil)
        #expect(LinearRegex("((a{100}){100}){100}") == nil)
        #expect(LinearRegex("((a?a?a?a?a?){100}){10}") == nil)
        #expect(LinearRegex("(a{1,1000}){1,1000}") == nil)
        #expect(LinearRegex("a{1,100}") != nil)
        let deep = String(repeating: "(", count: 100) + "a" + String(repeating: ")", count: 100)
        #expect(LinearRegex(deep) == nil, "nesting is bounded")
        #expect(matches("a", String(repeating: "a", count: LinearRegex.maximumTextLength + 1)) == false)
    }

    /// Parts that write nothing repeat to nothing, at once, however deeply counted.
    @Test func emptyRepetitionsCompileAtOnce() throws {
        for pattern in ["(((((){1000}){1000}){1000}){1000}){1000}", "(?:(?:(?:(?:a{0}){1000}){1000}){1000}){1000}x"] {
            let regex = try #require(LinearRegex(pattern), "\(pattern)")
            #expect(regex.matches("x"))
        }
    }

    /// A class of many ranges is searched by bisection; under (?i) it is folded once, not per copy.
    @Test func wideClassesStayCheap() throws {
        let many = String(repeating: "\\w", count: 400)
        let clock = ContinuousClock()
        let start = clock.now
        for pattern in ["(?:(?:[^\(many)]?){900}){2}a", "(?i)(?:[^\(many)]{900}){4}a"] {
            if let regex = LinearRegex(pattern) { _ = regex.matches(String(repeating: "!", count: 2000)) }
        }
        #expect(clock.now - start < .seconds(30))
    }

    /// Patterns that take a backtracking engine exponential time end at once.
    @Test(arguments: ["(a+)+$", "(a|a)*$", "(a*)*b", "^(a|aa)+$", "(.*a){20}", "(a?){30}a{30}", "(a*)*$", "a[ab]*c"])
    func pathologicalPatternsEndQuickly(pattern: String) throws {
        let regex = try #require(LinearRegex(pattern))
        let clock = ContinuousClock()
        let start = clock.now
        _ = regex.matches(String(repeating: "a", count: 40) + "!")
        _ = regex.matches(String(repeating: "a", count: LinearRegex.maximumTextLength - 1) + "!")
        #expect(clock.now - start < .seconds(20))
    }
}
