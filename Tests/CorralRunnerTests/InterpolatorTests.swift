import CorralDriver
@testable import CorralRunner
import Testing

/// `${KEY}` replacement: known keys replaced, unknown ones left as written and reported once.
struct InterpolatorTests {
    let values = ["HOME": "/home/app", "NOMAD_TASK_DIR": "/local", "attr.kernel.name": "linux",
                  "meta.rack-id": "r12", "EMPTY": ""]

    func interpolate(_ text: String) -> (result: String, unknown: [String]) {
        Interpolator.interpolate(text) { values[$0] }
    }

    @Test func knownKeysAreReplacedEverywhereInTheString() {
        let (result, unknown) = interpolate("${NOMAD_TASK_DIR}/bin:${HOME}/bin on ${attr.kernel.name} in ${meta.rack-id}")
        #expect(result == "/local/bin:/home/app/bin on linux in r12")
        #expect(unknown.isEmpty)
    }

    @Test func textWithoutReferencesIsUnchanged() {
        #expect(interpolate("plain text, 100% $HOME { }").result == "plain text, 100% $HOME { }")
        #expect(interpolate("").result == "")
        #expect(interpolate("$").result == "$")
    }

    @Test func anEmptyValueReplacesTheReference() {
        #expect(interpolate("[${EMPTY}]") == ("[]", []))
    }

    @Test func unknownKeysStayAsWrittenAndAreReportedOnceInFirstSeenOrder() {
        let (result, unknown) = interpolate("${foo} ${HOME} ${meta.missing} ${foo} ${bar}")
        #expect(result == "${foo} /home/app ${meta.missing} ${foo} ${bar}")
        #expect(unknown == ["foo", "meta.missing", "bar"])
    }

    @Test func doubleDollarEscapesALiteralReference() {
        #expect(interpolate("$${HOME}") == ("${HOME}", []))
        #expect(interpolate("echo $${x} ${HOME}") == ("echo ${x} /home/app", []))
        // An escaped unknown key is not reported either.
        #expect(interpolate("$${nope}").unknown.isEmpty)
        // `$$` before anything but `{` is left as it is.
        #expect(interpolate("pid $$ and $$HOME") == ("pid $$ and $$HOME", []))
    }

    @Test func anUnterminatedReferenceIsLeftAsIs() {
        #expect(interpolate("${HOME") == ("${HOME", []))
        #expect(interpolate("a ${") == ("a ${", []))
        #expect(interpolate("${HOME}/x ${NOMAD_TASK_DIR") == ("/home/app/x ${NOMAD_TASK_DIR", []))
    }

    @Test func malformedReferencesAreLeftAsWrittenAndNotReported() {
        #expect(interpolate("${}") == ("${}", []))
        #expect(interpolate("${HO ME}") == ("${HO ME}", []))
        // The HCL2 index form is not supported.
        #expect(interpolate(#"${meta["rack"]}"#) == (#"${meta["rack"]}"#, []))
        // A reference inside malformed text is still found, as Nomad's regular expression finds it.
        #expect(interpolate("${a ${HOME}}") == ("${a /home/app}", []))
    }

    @Test func substitutedValuesAreNotInterpolatedAgain() {
        let (result, unknown) = Interpolator.interpolate("${A}") { $0 == "A" ? "${B}" : nil }
        #expect(result == "${B}")
        #expect(unknown.isEmpty)
    }

    @Test func nonASCIITextAroundReferencesIsKept() {
        #expect(interpolate("héllo ${HOME} 🚀 ${x}") == ("héllo /home/app 🚀 ${x}", ["x"]))
    }

    @Test func keysMayHoldLettersDigitsUnderscoresDotsAndDashes() {
        #expect(Interpolator.isValidKey("attr.kernel.name"))
        #expect(Interpolator.isValidKey("meta.rack-id_2"))
        #expect(!Interpolator.isValidKey(""))
        #expect(!Interpolator.isValidKey(#"meta["x"]"#))
        #expect(!Interpolator.isValidKey("a b"))
    }

    @Test func configStringsAreInterpolatedThroughNestedListsAndBlocks() {
        let config: DriverConfig = [
            "command": .string("${NOMAD_TASK_DIR}/run"),
            "args": .list([.string("--home=${HOME}"), .integer(3), .list([.string("${attr.kernel.name}")])]),
            "mounts": .object([
                "${HOME}": .string("${meta.rack-id}"),
                "inner": .object(["paths": .list([.string("${NOMAD_TASK_DIR}/a"), .string("${nope}")])]),
            ]),
            "count": .integer(2),
            "ratio": .number(0.5),
            "flag": .bool(true),
            "none": .null,
        ]
        let (result, unknown) = Interpolator.interpolate(config) { values[$0] }
        let expected: DriverConfig = [
            "command": .string("/local/run"),
            "args": .list([.string("--home=/home/app"), .integer(3), .list([.string("linux")])]),
            // Block member names are not interpolated.
            "mounts": .object([
                "${HOME}": .string("r12"),
                "inner": .object(["paths": .list([.string("/local/a"), .string("${nope}")])]),
            ]),
            "count": .integer(2),
            "ratio": .number(0.5),
            "flag": .bool(true),
            "none": .null,
        ]
        #expect(result == expected)
        #expect(unknown == ["nope"])
    }

    @Test func unknownConfigKeysAreDeduplicatedInTheOrderOfSortedMemberNames() {
        let config: DriverConfig = [
            "b": .list([.string("${two} ${one}"), .string("${three}")]),
            "a": .string("${one}"),
            "c": .object(["z": .string("${two}"), "y": .string("${four}")]),
        ]
        let (result, unknown) = Interpolator.interpolate(config) { _ in nil }
        #expect(result == config)
        #expect(unknown == ["one", "two", "three", "four"])
    }

    @Test func aSingleConfigValueIsInterpolated() {
        let (result, unknown) = Interpolator.interpolate(ConfigValue.list([.string("${HOME}"), .string("${x}")])) { values[$0] }
        #expect(result == .list([.string("/home/app"), .string("${x}")]))
        #expect(unknown == ["x"])
    }
}
