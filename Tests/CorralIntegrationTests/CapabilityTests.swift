import Foundation
import Testing

/// The capability sets a task ends up with, read from its own /proc/self/status.
@Suite("Capabilities (root)", .enabled(if: Integration.enabled, Integration.comment), .timeLimit(.minutes(1)))
struct CapabilityIntegrationTests {
    /// CapInh, CapPrm, CapEff, CapBnd, CapAmb of a task run with `options`.
    func sets(_ options: [String]) throws -> [String: UInt64] {
        let result = try isolatedShell("grep ^Cap /proc/self/status", options: options)
        try #require(result.status == 0, "\(result.stderr)")
        var sets: [String: UInt64] = [:]
        for line in result.stdout.split(separator: "\n") {
            let parts = line.split(separator: ":")
            if parts.count == 2 { sets[String(parts[0])] = UInt64(parts[1].trimmingCharacters(in: .whitespaces), radix: 16) }
        }
        return sets
    }

    static let dockerDefault: UInt64 = 0xA804_25FB

    @Test func aRootTaskHasExactlyDockersDefaultSet() throws {
        let caps = try sets([])
        #expect(caps["CapEff"] == Self.dockerDefault && caps["CapPrm"] == Self.dockerDefault)
        #expect(caps["CapBnd"] == Self.dockerDefault)
        #expect(caps["CapInh"] == 0 && caps["CapAmb"] == 0)
    }

    @Test func addsAndDropsChangeExactlyThoseCapabilities() throws {
        let caps = try sets(["--cap-add", "net_admin", "--cap-drop", "chown"])
        let expected = (Self.dockerDefault | 1 << 12) & ~1
        #expect(caps["CapEff"] == expected && caps["CapBnd"] == expected)
    }

    @Test func anotherUserHoldsOnlyWhatItAskedForThroughTheAmbientSet() throws {
        let asked = try sets(["--user", "nobody", "--cap-add", "net_bind_service"])
        for set in ["CapEff", "CapPrm", "CapInh", "CapAmb"] { #expect(asked[set] == 1 << 10, "\(set)") }
        #expect(asked["CapBnd"] == Self.dockerDefault | 1 << 10)
        // As with Docker, a plain user holds nothing: setuid or dac_override would make it root again.
        let plain = try sets(["--user", "nobody"])
        for set in ["CapEff", "CapPrm", "CapInh", "CapAmb"] { #expect(plain[set] == 0, "\(set)") }
        #expect(plain["CapBnd"] == Self.dockerDefault)
    }

    @Test func withoutCapSysAdminTheTaskCannotMount() throws {
        // Without the seccomp filter, so that the capability alone is what refuses.
        let result = try isolatedShell("mkdir /tmp/m && mount -t tmpfs none /tmp/m && echo mounted || echo refused",
                                       options: ["--seccomp", "unconfined"])
        #expect(result.stdout == "refused\n")
        let granted = try isolatedShell("mkdir /tmp/m && mount -t tmpfs none /tmp/m && echo mounted", options: ["--cap-add", "sys_admin"])
        #expect(granted.stdout == "mounted\n")
    }

    @Test func aCapabilityCorralLacksIsRefusedClearly() throws {
        // This machine's bounding set lacks CAP_SYS_RESOURCE; elsewhere the task simply gets it.
        guard (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8))?
            .split(separator: "\n").first(where: { $0.hasPrefix("CapBnd:") })
            .flatMap({ UInt64($0.dropFirst(7).trimmingCharacters(in: .whitespaces), radix: 16) })
            .map({ $0 & (1 << 24) == 0 }) == true else { return }
        let result = try isolatedShell("true", options: ["--cap-add", "sys_resource"])
        #expect(result.status == 125)
        #expect(result.stderr.contains("--cap-add \"sys_resource\": not in corral's own bounding set"))
    }
}
