import Foundation
import Testing

/// The default seccomp profile as a task meets it. The probes are python3 ctypes calls with x86_64
/// system-call numbers, made inside the confined task, with arguments that do nothing even where
/// a call is allowed.
@Suite("Seccomp (root)", .enabled(if: SeccompProbe.skipReason == nil, Comment(rawValue: SeccompProbe.skipReason ?? "")),
       .timeLimit(.minutes(1)))
struct SeccompIntegrationTests {
    @Test func theDefaultFilterIsInstalledWithNoNewPrivileges() throws {
        let result = try isolatedShell("grep -E '^(Seccomp|NoNewPrivs):' /proc/self/status")
        #expect(result.stdout == "NoNewPrivs:\t1\nSeccomp:\t2\n")
        let unconfined = try isolatedShell("grep -E '^Seccomp:' /proc/self/status", options: ["--seccomp", "unconfined"])
        #expect(unconfined.stdout == "Seccomp:\t0\n")
    }

    /// The default profile with a distinctive errno (133) for what it denies, so that a refusal by the
    /// filter cannot be mistaken for the kernel's own EPERM (a missing capability, a sysctl).
    func markedDefaultProfile() throws -> String {
        let text = try String(contentsOfFile: SeccompProbe.profilesDirectory + "/seccomp/default.json", encoding: .utf8)
        let marked = text.replacingOccurrences(of: "\"defaultErrnoRet\": 1,", with: "\"defaultErrnoRet\": 133,")
        try #require(marked != text, "default.json no longer sets defaultErrnoRet 1")
        let path = NSTemporaryDirectory() + "corral-marked-\(UUID().uuidString).json"
        try marked.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func theDefaultProfileItselfRefusesTheseCalls() throws {
        let profile = try markedDefaultProfile()
        defer { try? FileManager.default.removeItem(atPath: profile) }
        let denied: [(String, String)] = [
            // name: syscall number, arguments that fail even where the call is allowed
            ("unshare_user", "272, 0x10000000"),         // unshare(CLONE_NEWUSER) needs no capability
            ("keyctl", "250, 0, -1000, 0, 0, 0"),         // KEYCTL_GET_KEYRING_ID of an invalid key
            ("add_key", "248, 0, 0, 0, 0, 0"),            // NULL type
            ("request_key", "249, 0, 0, 0, 0"),
            ("userfaultfd", "323, 0x12345678"),           // invalid flags
            ("io_uring_setup", "425, 0, 0"),              // 0 entries
            ("kexec_load", "246, 0, 0, 0, 0xffffffff"),   // invalid flags (flags 0 would unload an image)
            ("swapon", "167, 0, 0"),
            ("mount", "165, 0, 0, 0, 0, 0"),
            ("umount2", "166, 0, 0"),
            ("pivot_root", "155, 0, 0"),
            ("open_by_handle_at", "304, -1, 0, 0"),
            ("personality_bad", "135, 0x0400000"),        // READ_IMPLIES_EXEC
            ("setns", "308, -1, 0"),
            ("perf_event_open", "298, 0, 0, 0, 0, 0"),
            ("bpf", "321, 0, 0, 0"),
            ("ptrace", "101, 16, 1, 0, 0"),               // PTRACE_ATTACH to pid 1
            ("init_module", "175, 0, 0, 0"),
            ("reboot", "169, 0, 0, 0, 0"),                // bad magic
            ("socket_vsock", "41, 40, 1, 0"),             // AF_VSOCK
            ("socket_vsock_high_bits", "41, 0x100000028, 1, 0"),  // the same family with bits the kernel drops
        ]
        let probes = SeccompProbe.run(denied + [("clone3", "435, 0, 0"), ("socket_unix", "41, 1, 1, 0")])
        let result = try isolatedShell(probes.script, options: ["--seccomp", profile])
        #expect(result.status == 0, "\(result.stderr)")
        let errnos = probes.parse(result.stdout)
        for (name, _) in denied { #expect(errnos[name] == 133, "\(name): errno \(errnos[name].map(String.init) ?? "none")") }
        #expect(errnos["clone3"] == ENOSYS)
        #expect(errnos["socket_unix"] == 0)
    }

    @Test func aSystemCallOfAnotherABIKillsTheTask() throws {
        // int 0x80 (the 32-bit ABI) of getpid: not in the profile's architectures.
        let result = try corral(["isolate", "--bind", EscapeProbeTests.probe + ":/probe:ro", "--", "/probe", "--abi32"])
        #expect(result.status == 128 + SIGSYS, "\(result.stdout) \(result.stderr)")
        let unconfined = try corral(["isolate", "--seccomp", "unconfined", "--bind", EscapeProbeTests.probe + ":/probe:ro",
                                     "--", "/probe", "--abi32"])
        #expect(unconfined.status == 0 && unconfined.stdout == "abi32 0\n", "\(unconfined.stderr)")
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
    /// Why the seccomp tests cannot run here (they need root, x86_64 system-call numbers, and python3
    /// in the task's chroot), or nil.
    static let skipReason: String? = {
        if let reason = Integration.skipReason { return reason }
        var info = utsname()
        uname(&info)
        let machine = withUnsafeBytes(of: info.machine) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        if machine != "x86_64" { return "the seccomp probes use x86_64 system-call numbers; this machine is \(machine)" }
        if access("/usr/bin/python3", X_OK) != 0 { return "the seccomp probes need /usr/bin/python3" }
        return nil
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
