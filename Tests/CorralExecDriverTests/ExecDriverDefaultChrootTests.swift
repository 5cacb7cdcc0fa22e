import CorralDriver
import CorralExecDriver
import CorralIsolation
import Foundation
import Testing

/// What an exec task without an image sees of the host's `/etc` and of the agent: a generated
/// `/etc` only (no shadow, no host file beyond the generated set), no agent environment, no
/// corral state, and it runs as nobody unless its job names a user.
@Suite(.serialized, .enabled(if: DriverTests.enabled, DriverTests.comment))
struct ExecDriverDefaultChrootTests {
    /// Runs `script` to its end and returns its exit code and stdout.
    func run(_ script: String, user: String = "", env: [String: String] = [:],
             options: ((inout DriverOptions) -> Void)? = nil) async throws -> (Int32, String) {
        let fixture = try DriverFixture()
        defer { fixture.finish() }
        var driverOptions = fixture.options
        options?(&driverOptions)
        let driver = ExecDriver(options: driverOptions)
        let handle = try await driver.start(fixture.task(fixture.shell(script), env: env, user: user))
        let result = try await driver.wait(handle.id)
        try await driver.destroy(handle.id, force: false)
        return (result.exitCode, fixture.stdout())
    }

    @Test func aTaskRunsAsNobodyByDefault() async throws {
        let (code, output) = try await run("id -u; id -g; id -un; grep '^CapEff:' /proc/self/status; "
                                           + "ls /secrets && touch /secrets/s /local/l && echo task-dirs-are-its-own")
        #expect(code == 0)
        #expect(output == "65534\n65534\nnobody\nCapEff:\t0000000000000000\ntask-dirs-are-its-own\n", "\(output)")
        #expect(ExecDriver.defaultUser == "nobody")
        #expect(ExecDriver.taskUser(TaskConfig(id: "a/b/0", name: "b", allocDir: "/", taskDir: "/")) == "nobody")
    }

    @Test func aTaskThatAsksForRootGetsRoot() async throws {
        let (code, output) = try await run("id -u; id -un", user: "root")
        #expect(code == 0)
        #expect(output == "0\nroot\n")
    }

    @Test func aHostUserIsResolvedAgainstTheGeneratedEtc() async throws {
        // `daemon` (uid 1) is in every Debian's passwd; another host without it skips.
        let passwd = (try? String(contentsOfFile: "/etc/passwd", encoding: .utf8)) ?? ""
        guard let line = passwd.split(separator: "\n").first(where: { $0.hasPrefix("daemon:") }) else { return }
        let uid = line.split(separator: ":", omittingEmptySubsequences: false)[2]
        let (code, output) = try await run("id -u; id -un; grep -c . /etc/passwd", user: "daemon")
        #expect(code == 0)
        #expect(output == "\(uid)\ndaemon\n3\n", "root, nobody and daemon only: \(output)")
    }

    @Test func noHostFileUnderEtcBeyondTheGeneratedSet() async throws {
        // As root: CAP_DAC_OVERRIDE reads any file that is there.
        let (code, output) = try await run(
            "cat /etc/shadow 2>&1; cat /etc/gshadow 2>&1; cat /etc/sudoers 2>&1; ls /etc/ssh 2>&1; echo ---; "
                + "find /etc -mindepth 1 -maxdepth 3 \\( -path /etc/ssl/certs -o -path /etc/alternatives "
                + "-o -path /etc/ld.so.conf.d -o -path /etc/pki/tls/certs -o -path /etc/pki/ca-trust/extracted \\) -prune -o -print",
            user: "root")
        #expect(code == 0)
        let parts = output.components(separatedBy: "---\n")
        try #require(parts.count == 2, "\(output)")
        #expect(parts[0].components(separatedBy: "No such file or directory").count - 1 == 4, "\(parts[0])")
        let allowed = Set(GeneratedEtc.generatedFiles + GeneratedEtc.hostEntries + ["/etc/ssl", "/etc/pki", "/etc/pki/tls",
                                                                                     "/etc/pki/ca-trust"])
        for path in parts[1].split(separator: "\n").map(String.init) {
            #expect(allowed.contains(path), "a host file the task should not see: \(path)")
        }
    }

    @Test func commonToolsWorkInTheDefaultChroot() async throws {
        // ls and id are dynamically linked: the loader finds its cache and libraries.
        let (code, output) = try await run(
            "ls / >/dev/null && echo ls-ok; id; getent hosts localhost; getent passwd nobody; cat /etc/hostname; "
                + "test -s /etc/ssl/certs/ca-certificates.crt -o ! -e /usr/share/ca-certificates && echo certs-ok")
        #expect(code == 0, "\(output)")
        #expect(output.contains("ls-ok\n"))
        #expect(output.contains("uid=65534(nobody) gid=65534("), "\(output)")
        #expect(output.contains("localhost"), "\(output)")
        #expect(output.contains("nobody:x:65534:65534:"), "\(output)")
        #expect(output.contains("web\n"), "the hostname file names the task: \(output)")
        #expect(output.contains("certs-ok"), "\(output)")
    }

    @Test func noAgentSecretIsReachable() async throws {
        // The driver's process (the agent's) has a token in its environment; the task must not.
        let marker = "agent-secret-\(UUID().uuidString.prefix(8))"
        setenv("CORRAL_TEST_AGENT_SECRET", marker, 1)
        defer { unsetenv("CORRAL_TEST_AGENT_SECRET") }
        // /run holds corral's state directories and socket, /var/lib its data directory, /tmp the
        // allocation directories of these tests (the task's /tmp is its own tmpfs).
        let (code, output) = try await run(
            "env; for p in /run /run/corral /var/lib/corral /var /root /tmp/corral-driver-*; do "
                + "ls -d \"$p\" >/dev/null 2>&1 && echo \"visible $p\"; done; echo end",
            user: "root")
        #expect(code == 0)
        #expect(output.hasSuffix("end\n"))
        #expect(!output.contains(marker), "the task inherited the agent's environment")
        #expect(!output.contains("visible"), "\(output)")
    }

    @Test func theOperatorMayStillListTheHostsEtc() async throws {
        let (code, output) = try await run("test -e /etc/shadow && echo host-etc", user: "root") { options in
            options.chrootEnv = RootfsLayout.defaultChrootEnv + ["/etc"]
        }
        #expect(code == 0)
        #expect(output == "host-etc\n")
    }
}
