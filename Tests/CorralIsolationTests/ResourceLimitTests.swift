import Testing
@testable import CorralIsolation

@Suite("rlimit parsing")
struct ResourceLimitTests {
    @Test(arguments: [
        ("nofile=1024:4096", "nofile", UInt64(1024), UInt64(4096)),
        ("NOFILE=10", "nofile", 10, 10),
        ("RLIMIT_CORE=unlimited", "core", UInt64.max, UInt64.max),
        ("stack=8388608:infinity", "stack", 8_388_608, UInt64.max),
        ("nproc=-1", "nproc", UInt64.max, UInt64.max),
    ])
    func parsesNamesAndValues(text: String, name: String, soft: UInt64, hard: UInt64) throws {
        let limit = try ResourceLimit.parse(text)
        #expect(limit.name == name && limit.soft == soft && limit.hard == hard)
        #expect(limit.resource == ResourceLimit.resources[name])
    }

    @Test(arguments: [
        ("nofile", "NAME=SOFT"), ("bogus=1", "unknown resource"), ("nofile=abc", "not a number"),
        ("nofile=10:5", "soft limit is above"), ("nofile=1:2:3", "NAME=SOFT"),
    ])
    func rejectsWithAReason(text: String, reason: String) {
        #expect {
            try ResourceLimit.parse(text)
        } throws: { error in
            guard case LaunchError.usage("--rlimit", text, let why) = error else { return false }
            return why.contains(reason)
        }
    }

    @Test func clampsOnlyWhenItCannotRaise() {
        var limit = ResourceLimit(name: "nofile", resource: 7, soft: 8000, hard: 9000)
        #expect(limit.clamp(toHardLimit: 10000, canRaise: false) == nil)
        #expect(limit.clamp(toHardLimit: 100, canRaise: true) == nil)
        let warning = limit.clamp(toHardLimit: 4096, canRaise: false)
        #expect(limit.soft == 4096 && limit.hard == 4096)
        #expect(warning?.contains("8000:9000") == true)
    }
}

@Suite("users and groups")
struct UserIdentityTests {
    let passwd = "# comment\nroot:x:0:0:root:/root:/bin/bash\nbroken line\nweb:x:33:33:www:/var/www:/bin/false\n"
    let group = "root:x:0:\nwww-data:x:33:\nlog:x:4:web,other\ndocker:x:999:web\n"

    @Test func resolvesNamesIdsAndGroups() throws {
        #expect(try UserIdentity.resolve("web", passwd: passwd, group: group)
                == UserIdentity(uid: 33, gid: 33, supplementaryGroups: [4, 999], home: "/var/www"))
        #expect(try UserIdentity.resolve("33:0", passwd: passwd, group: group).gid == 0)
        #expect(try UserIdentity.resolve("web:log", passwd: passwd, group: group).gid == 4)
        #expect(try UserIdentity.resolve("4242", passwd: passwd, group: group)
                == UserIdentity(uid: 4242, gid: 0, supplementaryGroups: [], home: "/"))
    }

    @Test(arguments: ["nosuchuser", "web:nosuchgroup", "", ":0"])
    func rejectsUnknownNames(spec: String) {
        #expect(throws: LaunchError.self) { try UserIdentity.resolve(spec, passwd: passwd, group: group) }
    }
}
