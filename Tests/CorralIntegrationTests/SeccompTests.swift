import Foundation
import Testing

/// The default seccomp profile as a task meets it. The probes are python3 ctypes calls with x86_64
/// system-call numbers, made inside the confined task, with arguments that do nothing even where
/// a call is allowed.
@Suite("Seccomp (root)", .enabled(if: Integration.enabled && SeccompProbe.runnable, Integration.comment),
       .timeLimit(.minutes(1)))
struct SeccompIntegrationTests {
    @Test func theDefaultFilterIsInstalledWithNoNewPrivileges() throws {
        let result = try isolatedShell("grep -E '^(Seccomp|NoNewPrivs):' /proc/self/status")
        #expect(result.stdout == "NoNewPrivs:\t1\nSeccomp:\t2\n")
        let unconfined = try isolatedShell("grep -E '^Seccomp:' /proc/self/status", options: ["--seccomp", "unconfined"])
        #expect(unconfined.stdout == "Seccomp:\t0\n")
    }

    @Test func deniedCallsFailWithTheirErrno() throws {
        let probes = SeccompProbe.run([
            // name: syscall number, arguments
            ("unshare_user", "272, 0x10000000"),        // unshare(CLONE_NEWUSER): needs no capability, only the filter stops it
            ("keyctl", "250, 0, 0, 0, 0, 0"),           // keyctl(KEYCTL_GET_KEYRING_ID, 0): invalid key
            ("add_key", "248, 0, 0, 0, 0, 0"),          // NULL type: EFAULT if it got through
            ("userfaultfd", "323, 0"),
            ("io_uring_setup", "425, 0, 0"),            // 0 entries: EINVAL if it got through
            ("kexec_load", "246, 0, 0, 0, 0"),
            ("open_by_handle_at", "304, -1, 0, 0"),     // a bad fd: EBADF if it got through
            ("personality_bad", "135, 0x0400000"),      // READ_IMPLIES_EXEC
            ("clone3", "435, 0, 0"),                    // ENOSYS: libc falls back to the checked clone
            ("setns", "308, -1, 0"),
            ("perf_event_open", "298, 0, 0, 0, 0, 0"),
            ("bpf", "321, 0, 0, 0"),
        ])
        let result = try isolatedShell(probes.script)
        #expect(result.status == 0, "\(result.stderr)")
        let errnos = probes.parse(result.stdout)
        for name in ["unshare_user", "keyctl", "add_key", "userfaultfd", "io_uring_setup", "kexec_load",
                     "open_by_handle_at", "personality_bad", "setns", "perf_event_open", "bpf"] {
            #expect(errnos[name] == EPERM, "\(name): errno \(errnos[name] ?? -1)")
        }
        #expect(errnos["clone3"] == ENOSYS)
    }

    @Test func unconfinedLetsThemThrough() throws {
        let probes = SeccompProbe.run([("unshare_user", "272, 0x10000000"), ("personality_query", "135, 0xffffffff")])
        let result = try isolatedShell(probes.script, options: ["--seccomp", "unconfined"])
        let errnos = probes.parse(result.stdout)
        #expect(errnos["unshare_user"] == 0)
        #expect(errnos["personality_query"] == 0)
    }

    @Test func capabilitiesOpenTheRulesThatNeedThem() throws {
        let probes = SeccompProbe.run([("setns", "308, -1, 0")])  // with CAP_SYS_ADMIN: reaches the kernel, EBADF
        let result = try isolatedShell(probes.script, options: ["--cap-add", "sys_admin"])
        #expect(probes.parse(result.stdout)["setns"] == EBADF)
    }

    @Test func aCustomProfileApplies() throws {
        let profile = SeccompProbe.profilesDirectory + "/seccomp/example-no-inet.json"
        let probes = SeccompProbe.run([("socket_inet", "41, 2, 1, 0"), ("socket_unix", "41, 1, 1, 0")])
        let result = try isolatedShell(probes.script, options: ["--seccomp", profile])
        let errnos = probes.parse(result.stdout)
        #expect(errnos["socket_inet"] == EACCES)
        #expect(errnos["socket_unix"] == 0)
    }

    @Test func aMalformedProfileFailsBeforeAnythingStartsNamingTheField() throws {
        let tmp = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: tmp) }
        let path = tmp + "/bad.json"
        try #"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_MAYBE"}]}"#
            .write(toFile: path, atomically: true, encoding: .utf8)
        let result = try isolatedShell("echo ran", options: ["--seccomp", path])
        #expect(result.status == 125)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains("\(path): syscalls[0].action: unknown action \"SCMP_ACT_MAYBE\""), "\(result.stderr)")
    }
}

/// Builds a python3 script that makes raw system calls and prints `name errno` for each.
enum SeccompProbe {
    /// x86_64 numbers, python3 in the task's chroot.
    static let runnable: Bool = {
        var info = utsname()
        uname(&info)
        let machine = withUnsafeBytes(of: info.machine) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        return machine == "x86_64" && access("/usr/bin/python3", X_OK) == 0
    }()

    static let profilesDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("profiles").path

    struct Probes {
        var script: String
        func parse(_ output: String) -> [String: Int32] {
            var result: [String: Int32] = [:]
            for line in output.split(separator: "\n") {
                let parts = line.split(separator: " ")
                if parts.count == 2, let code = Int32(parts[1]) { result[String(parts[0])] = code }
            }
            return result
        }
    }

    static func run(_ calls: [(name: String, call: String)]) -> Probes {
        let lines = calls.map { "probe('\($0.name)', \($0.call))" }.joined(separator: "\n")
        let program = """
            import ctypes
            libc = ctypes.CDLL(None, use_errno=True)
            libc.syscall.restype = ctypes.c_long
            def probe(name, nr, *args):
                ctypes.set_errno(0)
                r = libc.syscall(ctypes.c_long(nr), *[ctypes.c_long(a) for a in args])
                print(name, ctypes.get_errno() if r == -1 else 0, flush=True)
            \(lines)
            """
        return Probes(script: "exec /usr/bin/python3 -c '\(program.replacingOccurrences(of: "'", with: "'\\''"))'")
    }
}
