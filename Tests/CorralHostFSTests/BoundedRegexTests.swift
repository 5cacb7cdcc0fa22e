@testable import CorralHostFS
import Testing

/// Job-supplied patterns: RE2's everyday forms work, and no pattern can stall the matcher.
@Suite(.timeLimit(.minutes(1))) struct BoundedRegexTests {
    func matches(_ pattern: String, _ text: String) -> Bool? { BoundedRegex(pattern)?.matches(text) }

    @Test func everydayPatternsSearchTheText() {
        #expect(matches("^/dev/sd", "/dev/sda1") == true)
        #expect(matches("inu", "linux") == true)
        #expect(matches("^win", "linux") == false)
        #expect(matches("linux|darwin", "darwin") == true)
        #expect(matches("^r[0-9]+$", "r12") == true)
        #expect(matches("^r\\d+$", "r12") == true)
        #expect(matches("^r\\d+$", "rx") == false)
        #expect(matches("^[\\w-]+$", "eu-west_1") == true)
        #expect(matches("\\s", "no-space") == false)
        #expect(matches("(?i)^LINUX$", "linux") == true)
        #expect(matches("a\\.b", "a.b") == true && matches("a\\.b", "axb") == false)
    }

    @Test func whatTheEngineCannotTakeIsRefused() {
        #expect(BoundedRegex("(") == nil)
        #expect(BoundedRegex("[") == nil)
        #expect(BoundedRegex("(a)\\1") == nil, "back-references backtrack")
        #expect(BoundedRegex(String(repeating: "a", count: BoundedRegex.maximumPatternBytes + 1)) == nil)
        #expect(BoundedRegex("a\u{0}b") == nil)
        #expect(BoundedRegex("^a{2,5}$")?.matches("aaa") == true, "small counted repetitions are fine")
        #expect(BoundedRegex("a{1,101}") == nil, "a count above 100")
        #expect(BoundedRegex("((a{1,100}){1,100}){1,100}") == nil, "counts multiplying past 1000")
        #expect(BoundedRegex("(a{1,40}){1,40}") == nil)
        #expect(BoundedRegex("(a{1,10}){1,10}") != nil)
        #expect(matches("a", String(repeating: "a", count: BoundedRegex.maximumTextBytes + 1)) == false)
    }

    /// Patterns that take a backtracking engine exponential time end at once.
    @Test(arguments: ["(a+)+$", "(a|a)*$", "(a*)*b", "^(a|aa)+$", "(.*a){20}"])
    func pathologicalPatternsEndQuickly(pattern: String) throws {
        let regex = try #require(BoundedRegex(pattern))
        let clock = ContinuousClock()
        let start = clock.now
        _ = regex.matches(String(repeating: "a", count: 40) + "!")
        _ = regex.matches(String(repeating: "a", count: 4000) + "!")
        #expect(clock.now - start < .seconds(10))
    }
}
