import CorralIsolateCLI
import Glibc
import Testing

/// A caller who is not root gets one message naming the command, the uid and what would work.
@Suite struct RootRequirementTests {
    @Test func rootIsLetThrough() {
        #expect(RootRequirement.refusal("isolate", alternatives: [], euid: 0) == nil)
    }

    @Test func anyOtherUserGetsOneMessageSayingWhatWouldWork() throws {
        for uid: uid_t in [1, 1000, 65534] {
            let message = try #require(RootRequirement.refusal("run", alternatives: ["submit it with `corral job run x.hcl`"], euid: uid))
            #expect(message == "corral run needs root: it makes namespaces, cgroups and mounts for its tasks (you are uid \(uid)). "
                    + "Run it as root: `sudo corral run ...`, or submit it with `corral job run x.hcl`")
        }
    }
}
