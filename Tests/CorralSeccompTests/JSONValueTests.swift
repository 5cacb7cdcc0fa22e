import CorralJSON
import Testing

/// `JSONValue`, read through corral's one JSON parser (`JSONNode`): the kinds it gives, and what it
/// refuses with the place named.
@Suite struct JSONValueTests {
    func failure(_ text: String) -> String? {
        do throws(JSONValue.SyntaxError) {
            _ = try JSONValue.parse(text)
            return nil
        } catch {
            return error.description
        }
    }

    @Test func numbersKeepTheirKind() throws {
        let value = try JSONValue.parse(#"[18446744073709551615, -9223372036854775808, 1.5, 2e3, 0]"#)
        #expect(value == .array([.unsigned(.max), .signed(.min), .double(1.5), .double(2000), .unsigned(0)]))
    }

    @Test func stringsAreDecodedWithSurrogatePairsJoined() throws {
        #expect(try JSONValue.parse(#""a\n\u00e9\ud83d\ude00""#) == .string("a\n\u{e9}\u{1F600}"))
        // A byte order mark before the document is skipped.
        #expect(try JSONValue.parse("\u{FEFF}{}") == .object([:]))
    }

    @Test func aKeyWrittenTwiceIsRefusedWhereItIs() {
        #expect(failure("{\"a\": 1,\n \"a\": 2}") == "line 2, column 2: field \"a\" appears twice")
    }

    @Test func nestingIsBounded() throws {
        let deep = String(repeating: "[", count: JSONValue.maximumDepth) + String(repeating: "]", count: JSONValue.maximumDepth)
        #expect(throws: Never.self) { try JSONValue.parse(deep) }
        let deeper = "[" + deep + "]"
        #expect(failure(deeper)?.contains("nested deeper than \(JSONValue.maximumDepth) levels") == true)
    }

    @Test(arguments: [
        ("", "line 1, column 1: expected a value"),
        ("{\"a\": }", "line 1, column 7: expected a value"),
        ("[1,]", "line 1, column 4: expected a value (JSON allows no trailing comma)"),
        ("tru", "line 1, column 1: unknown word \"tru\" (JSON has true, false and null; strings are in double quotes)"),
        ("1e999", "line 1, column 1: number 1e999 is out of range"),
        ("{} x", "line 1, column 4: unexpected text after the JSON value"),
    ])
    func syntaxErrorsNameTheirPlace(text: String, message: String) {
        #expect(failure(text) == message)
    }
}
