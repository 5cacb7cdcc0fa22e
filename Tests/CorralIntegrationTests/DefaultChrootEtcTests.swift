import Foundation
import Testing

/// `corral isolate` without `--rootfs`: the task's `/etc` is generated (passwd, group, hosts,
/// resolv.conf...) and a few read-only host entries; the host's secrets are not there, even for
/// root with CAP_DAC_OVERRIDE; bad user ids never start a task.
@Suite("Default chroot /etc (root)", .enabled(if: Integration.enabled, Integration.comment), .timeLimit(.minutes(6)))
struct DefaultChrootEtcTests {
    /// Entries of the generated set (or directories on the way to them), as a task lists them.
    static let allowed: Set<String> = [
        "/etc/passwd", "/etc/group", "/etc/hosts", "/etc/hostname", "/etc/resolv.conf", "/etc/nsswitch.conf",
        "/etc/alternatives", "/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/localtime", "/etc/timezone",
        "/etc/ssl", "/etc/ssl/certs", "/etc/pki", "/etc/pki/tls", "/etc/pki/tls/certs", "/etc/pki/ca-trust",
        "/etc/pki/ca-trust/extracted", "/etc/os-release", "/etc/protocols", "/etc/services",
    ]

    @Test func secretsOfTheHostsEtcAreNotThere() throws {
        let result = try isolatedShell("for f in /etc/shadow /etc/gshadow /etc/sudoers /etc/ssh /etc/corral; do "
                                       + "cat $f >/dev/null 2>&1; echo \"$f $?\"; test -e $f && echo \"exists $f\"; done; "
                                       + "grep '^CapEff:' /proc/self/status")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(!result.stdout.contains("exists"), "\(result.stdout)")
        // Root, with CAP_DAC_OVERRIDE (bit 1): only the file's absence keeps it out.
        let capEff = result.stdout.split(separator: "\n").first { $0.hasPrefix("CapEff:") }.flatMap { UInt64($0.dropFirst(8), radix: 16) }
        #expect(capEff.map { $0 & 0x2 != 0 } == true, "\(result.stdout)")
        let shadow = try isolatedShell("cat /etc/shadow")
        #expect(shadow.status == 1)
        #expect(shadow.stderr.contains("No such file or directory"), "\(shadow.stderr)")
    }

    @Test func onlyTheGeneratedSetIsUnderEtc() throws {
        let result = try isolatedShell(
            "find /etc -mindepth 1 \\( -path /etc/ssl/certs -o -path /etc/alternatives -o -path /etc/ld.so.conf.d "
                + "-o -path /etc/pki/tls/certs -o -path /etc/pki/ca-trust/extracted \\) -prune -o -print")
        #expect(result.status == 0, "\(result.stderr)")
        let listed = result.stdout.split(separator: "\n").map(String.init)
        #expect(listed.contains("/etc/passwd") && listed.contains("/etc/resolv.conf"))
        for path in listed { #expect(Self.allowed.contains(path), "a host file the task should not see: \(path)") }
        // What it has from the host is read-only.
        let write = try isolatedShell("echo x >> /etc/passwd; echo x > /etc/new; echo x >> /etc/ld.so.cache; true")
        #expect(write.stderr.components(separatedBy: "Read-only file system").count - 1 == 3, "\(write.stderr)")
    }

    @Test func rootToolsAndNamesWork() throws {
        let result = try isolatedShell(
            "ls / >/dev/null && echo ls-ok; id; getent hosts localhost; getent group root; cat /etc/hostname",
            options: ["--hostname", "etc-test"])
        #expect(result.status == 0, "\(result.stdout) \(result.stderr)")
        #expect(result.stdout.contains("ls-ok\n"))
        #expect(result.stdout.contains("uid=0(root) gid=0(root)"), "\(result.stdout)")
        #expect(result.stdout.contains("localhost"), "\(result.stdout)")
        #expect(result.stdout.contains("root:x:0:"), "\(result.stdout)")
        #expect(result.stdout.contains("etc-test\n"), "\(result.stdout)")
        let resolver = try isolatedShell("cat /etc/resolv.conf")
        #expect(resolver.stdout == (try? String(contentsOfFile: "/etc/resolv.conf", encoding: .utf8)) ?? "",
                "the host's resolver content")
    }

    @Test func aHostUserCanBeChosen() throws {
        let result = try isolatedShell("id -u; id -un; getent passwd nobody | cut -d: -f3", options: ["--user", "nobody"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "65534\nnobody\n65534\n")
        let unknown = try isolatedShell("true", options: ["--user", "no-such-user-\(UUID().uuidString.prefix(6))"])
        #expect(unknown.status == 125 && unknown.stderr.contains("no such user"), "\(unknown.stderr)")
    }

    @Test func theGeneratedEtcGoesWithTheTask() throws {
        // The files live in the task's root tmpfs: nothing of them stays in the state directory.
        let state = "/run/corral/test-etc-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: state) }
        let result = try corral(["isolate", "--state-dir", state, "--", "/bin/cat", "/etc/hostname"])
        #expect(result.status == 0, "\(result.stderr)")
        let left = (try? FileManager.default.contentsOfDirectory(atPath: state)) ?? []
        #expect(!left.contains { $0 == "etc" || $0 == "passwd" }, "\(left)")
    }

    /// Ids beyond 2^31-1, negative or not numbers at all: exit 2 before anything starts, naming
    /// --user and the value; never a task running as root.
    @Test func userIdsOutOfRangeNeverStartATask() throws {
        for user in ["4294967295", "4294967296", "2147483648", "-1", "-4294967295", "18446744073709551615",
                     "0:4294967295", "0:-1", "65534:2147483648", "+4294967295"] {
            let result = try corral(["isolate", "--user", user, "--", "/bin/sh", "-c", "echo ran-as-$(id -u)"])
            #expect(result.status == 2, "--user \(user): \(result.status) \(result.stdout) \(result.stderr)")
            #expect(!result.stdout.contains("ran-as"), "--user \(user) started a task")
            #expect(result.stderr.contains("--user \"\(user)\""), "\(result.stderr)")
        }
    }
}
