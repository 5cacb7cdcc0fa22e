import CorralDriver
import Testing

/// Go's duration syntax, as job files write `run_for`, `kill_timeout` and the like.
@Suite struct DurationParserTests {
    @Test(arguments: [
        ("0", Duration.zero),
        ("0s", .zero),
        ("250ms", .milliseconds(250)),
        ("5s", .seconds(5)),
        ("1m30s", .seconds(90)),
        ("1.5h", .seconds(5400)),
        ("2h45m", .seconds(9900)),
        ("100us", .microseconds(100)),
        ("100µs", .microseconds(100)),
        ("10ns", .nanoseconds(10)),
        ("1h1m1s1ms1us1ns", .nanoseconds(3_661_001_001_001)),
        (".5s", .milliseconds(500)),
    ])
    func parsesExactly(text: String, expected: Duration) {
        #expect(DurationParser.parse(text) == expected)
    }

    @Test(arguments: ["", "5", "s", "-5s", "5x", "1..5s", "5 s", "5S", "1m30", "00", "ms5"])
    func refuses(text: String) {
        #expect(DurationParser.parse(text) == nil)
    }

    @Test func refusesDurationsBeyondInt64Nanoseconds() {
        #expect(DurationParser.parse("3000000h") == nil)
        #expect(DurationParser.parse("2000000h") == .seconds(7_200_000_000))
    }
}
