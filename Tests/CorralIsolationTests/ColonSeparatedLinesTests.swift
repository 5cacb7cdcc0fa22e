import Testing
@testable import CorralIsolation

/// passwd and group lines as libc reads them: comments and blank lines skipped, empty fields kept in
/// place, names in any UTF-8 kept whole, malformed lines left out rather than guessed at.
struct ColonSeparatedLinesTests {
    @Test func fieldsAreCutOnColonsWithEmptyFieldsKept() {
        let lines = ColonSeparatedLines.parse("# a comment\n\nroot:x:0:0::/root:/bin/sh\nsvc:x:10:10:Dienst Übung:/:\n")
        #expect(lines == [["root", "x", "0", "0", "", "/root", "/bin/sh"], ["svc", "x", "10", "10", "Dienst Übung", "/", ""]])
    }

    @Test func passwdEntriesSkipMalformedLinesAndKeepMultibyteNames() {
        let text = "root:x:0:0:root:/root:/bin/bash\nbroken:x:notanumber:0::/:/bin/sh\nshort:x:1\nzoë:x:1000:1000::/home/zoë:/bin/sh"
        let users = PasswdLine.parse(text)
        #expect(users.map(\.name) == ["root", "zoë"])
        #expect(users.last?.home == "/home/zoë")
        #expect(PasswdEntry.parse(text).map(\.uid) == [0, 1000])
    }

    @Test func groupMembersAreSplitOnCommasAndTrimmed() {
        let groups = GroupEntry.parse("sudo:x:27:alice, bob,,carol\n#wheel:x:10:root\nempty:x:5:\n")
        #expect(groups == [GroupEntry(name: "sudo", gid: 27, members: ["alice", "bob", "carol"]),
                           GroupEntry(name: "empty", gid: 5, members: [])])
    }
}
