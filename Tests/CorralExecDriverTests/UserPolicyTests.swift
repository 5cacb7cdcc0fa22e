@testable import CorralExecDriver
import CorralIsolation
import Testing

/// The agent's user allow/deny lists, judged by number on the identity a task really gets: every
/// spelling of root (a name, `0`, `00`, an image's alias) and root's group are caught alike.
@Suite struct UserPolicyTests {
    static let passwd = "root:x:0:0:root:/root:/bin/bash\nnobody:x:65534:65534::/nonexistent:/usr/sbin/nologin\napp:x:1000:1000::/home/app:/bin/sh\n"
    static let group = "root:x:0:\ndisk:x:6:\nnogroup:x:65534:\napp:x:1000:\n"

    static func policy(allow: [String]? = nil, deny: [String] = UserPolicy.defaultDenylist) throws -> UserPolicy {
        UserPolicy(allow: try allow.map { try UserPolicy.entries($0, passwd: passwd, group: group) },
                   deny: try UserPolicy.entries(deny, passwd: passwd, group: group))
    }

    @Test func entriesResolveToNumbers() throws {
        let entries = try UserPolicy.entries(["root", "00", "disk", "app", "4242"], passwd: Self.passwd, group: Self.group)
        #expect(entries.map(\.uid) == [0, 0, nil, 1000, 4242])
        #expect(entries.map(\.gids) == [[0], [0], [6], [1000], [4242]])
        // Root is root even on a host whose passwd lacks it.
        #expect(try UserPolicy.entries(["root"], passwd: "", group: "")[0].uid == 0)
        for bad in ["nosuchuser", "-1", "4294967295", "2147483648", ""] {
            #expect(throws: UserListError(entry: bad)) { try UserPolicy.entries([bad], passwd: Self.passwd, group: Self.group) }
        }
    }

    /// The default denylist refuses uid 0 and gid 0 however the task reached them.
    @Test(arguments: [
        ("root", UserIdentity(uid: 0, gid: 0)),
        ("0", UserIdentity(uid: 0, gid: 0)),
        ("00", UserIdentity(uid: 0, gid: 0)),
        ("toor", UserIdentity(uid: 0, gid: 1000)),
        ("app:0", UserIdentity(uid: 1000, gid: 0)),
        ("app", UserIdentity(uid: 1000, gid: 1000, supplementaryGroups: [44, 0])),
        ("", UserIdentity(uid: 0, gid: 0)),
    ])
    func rootIsDeniedByNumber(user: String, identity: UserIdentity) throws {
        let message = try #require(try Self.policy().problem(task: "web", user: user, identity: identity))
        #expect(message.contains("task \"web\""))
        #expect(message.contains("user_denylist"), "\(message)")
        #expect(message.contains("\"root\""), "\(message)")
    }

    @Test func othersPassTheDefault() throws {
        let policy = try Self.policy()
        #expect(policy.problem(task: "web", user: "", identity: UserIdentity(uid: 65534, gid: 65534)) == nil)
        #expect(policy.problem(task: "web", user: "app", identity: UserIdentity(uid: 1000, gid: 1000, supplementaryGroups: [44])) == nil)
        #expect(UserPolicy.anyone.problem(task: "web", user: "root", identity: UserIdentity(uid: 0, gid: 0)) == nil)
        #expect(try Self.policy(deny: []).problem(task: "web", user: "root", identity: UserIdentity(uid: 0, gid: 0)) == nil)
    }

    @Test func groupsAreDeniedByNumber() throws {
        let policy = try Self.policy(deny: ["root", "disk"])
        let message = try #require(policy.problem(task: "web", user: "app",
                                                  identity: UserIdentity(uid: 1000, gid: 1000, supplementaryGroups: [6])))
        #expect(message.contains("group 6"), "\(message)")
        #expect(message.contains("\"disk\""), "\(message)")
    }

    @Test func theAllowListHoldsUidAndEveryGroup() throws {
        let policy = try Self.policy(allow: ["nobody", "app"], deny: [])
        #expect(policy.problem(task: "web", user: "", identity: UserIdentity(uid: 65534, gid: 65534)) == nil)
        #expect(policy.problem(task: "web", user: "app", identity: UserIdentity(uid: 1000, gid: 1000)) == nil)
        for identity in [UserIdentity(uid: 0, gid: 0), UserIdentity(uid: 1001, gid: 1000), UserIdentity(uid: 1000, gid: 1000, supplementaryGroups: [6]),
                         UserIdentity(uid: 65534, gid: 0)] {
            let message = try #require(policy.problem(task: "web", user: "x", identity: identity), "\(identity)")
            #expect(message.contains("user_allowlist"), "\(message)")
        }
    }

    /// At submission: the default user and the default chroot in full; in an image, the ids written
    /// as numbers (names are the image's, judged at start).
    @Test func submissionJudgesWhatIsKnown() throws {
        let policy = try Self.policy()
        #expect(policy.submissionProblem(task: "web", user: "", image: "/srv/images/a", chrootEnv: ["/usr"]) == nil)
        #expect(policy.submissionProblem(task: "web", user: "", image: nil, chrootEnv: ["/usr"]) == nil)
        for user in ["root", "0", "00", "0:0", "nobody:0", "1000:00"] {
            #expect(policy.submissionProblem(task: "web", user: user, image: nil, chrootEnv: ["/usr"]) != nil, "\(user)")
        }
        for user in ["0", "000", "0:65534", "65534:0"] {
            #expect(policy.submissionProblem(task: "web", user: user, image: "/srv/images/a", chrootEnv: []) != nil, "\(user)")
        }
        #expect(policy.submissionProblem(task: "web", user: "toor", image: "/srv/images/a", chrootEnv: []) == nil)
        #expect(policy.submissionProblem(task: "web", user: "1000:1000", image: "/srv/images/a", chrootEnv: []) == nil)
    }
}
