import Foundation
import Testing

/// What a task can see of the host: its own hostname, processes, mounts, network and files.
@Suite("Isolation (root)", .enabled(if: Integration.enabled, Integration.comment), .timeLimit(.minutes(1)))
struct IsolationTests {
    @Test func hostnameIsTheTasksOwn() throws {
        let result = try isolatedShell("hostname; cat /proc/sys/kernel/hostname", options: ["--hostname", "iso-test"])
        #expect(result.status == 0)
        #expect(result.stdout == "iso-test\niso-test\n")
        let defaulted = try isolatedShell("hostname")
        #expect(defaulted.stdout.hasPrefix("corral-"))
        #expect(defaulted.stdout != ProcessInfo.processInfo.hostName + "\n")
    }

    @Test func procShowsTheTaskAsPidOneAndNoHostProcess() throws {
        let result = try isolatedShell("echo $$; for p in /proc/[0-9]*; do echo ${p#/proc/}; done")
        #expect(result.status == 0)
        let lines = result.stdout.split(separator: "\n").compactMap { Int($0) }
        #expect(lines.first == 1, "the shell is pid 1")
        // Only the shell (1) and the processes it started exist; the host has hundreds.
        #expect(lines.dropFirst().allSatisfy { $0 < 10 }, "unexpected pids: \(lines)")
    }

    @Test func mountTableHoldsOnlyTheTasksMounts() throws {
        let result = try isolatedShell("cat /proc/1/mountinfo")
        #expect(result.status == 0)
        let mountPoints = result.stdout.split(separator: "\n").map { String($0.split(separator: " ")[4]) }
        let allowed = ["/", "/bin", "/etc", "/lib", "/lib32", "/lib64", "/sbin", "/usr", "/proc", "/sys", "/dev", "/tmp"]
        for point in mountPoints {
            let top = "/" + (point.split(separator: "/").first.map(String.init) ?? "")
            #expect(allowed.contains(top), "unexpected mount \(point)")
        }
        #expect(!mountPoints.contains { $0.hasPrefix("/run") || $0.hasPrefix("/work") })
        // Under /sys/fs/cgroup only the task's own cgroup, each hierarchy rooted at it ("/" in its cgroup
        // namespace), and the tmpfs holding them on v1: never a host hierarchy or a subtree of one.
        for line in result.stdout.split(separator: "\n") {
            let fields = line.split(separator: " ").map(String.init)
            guard fields.count > 4, fields[4].hasPrefix("/sys/fs/cgroup"), let dash = fields.firstIndex(of: "-") else { continue }
            let type = fields[dash + 1]
            #expect(type == "tmpfs" || ((type == "cgroup" || type == "cgroup2") && fields[3] == "/"), "unexpected mount \(line)")
            #expect(fields[5].hasPrefix("ro") || type == "tmpfs", "a writable cgroup mount: \(line)")
        }
        #expect(mountPoints.contains("/proc") && mountPoints.contains("/dev/pts"))
        #expect(mountPoints.count < 50)
    }

    @Test func networkNoneHasOnlyLoopbackUp() throws {
        let result = try isolatedShell("ls /sys/class/net; cat /sys/class/net/lo/flags; ip -o link 2>/dev/null | cut -d: -f2")
        #expect(result.status == 0)
        let lines = result.stdout.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        #expect(lines.first == "lo")
        let flags = try #require(Int(lines[1].dropFirst(2), radix: 16), "flags: \(lines)")
        #expect(flags & 0x1 != 0, "lo is up")
        if lines.count > 2 { #expect(Array(lines.dropFirst(2)) == ["lo"], "ip link shows only lo") }
        let host = try isolatedShell("ls /sys/class/net", options: ["--net", "host"])
        #expect(host.stdout.split(separator: "\n").count > 1, "--net host sees the host's interfaces")
    }

    @Test func hostFilesOutsideTheChrootAreInvisible() throws {
        let secret = "/root/corral-secret-\(UUID().uuidString.prefix(8))"
        let other = "/var/tmp/corral-secret-\(UUID().uuidString.prefix(8))"
        _ = FileManager.default.createFile(atPath: secret, contents: Data("secret".utf8))
        _ = FileManager.default.createFile(atPath: other, contents: Data("secret".utf8))
        defer { try? FileManager.default.removeItem(atPath: secret); try? FileManager.default.removeItem(atPath: other) }
        let result = try isolatedShell("ls \(secret) \(other) /root /var 2>&1; echo done")
        #expect(result.stdout.contains("done"))
        #expect(!result.stdout.contains("secret\n"))
        #expect(result.stdout.components(separatedBy: "No such file").count - 1 == 4, "\(result.stdout)")
    }

    @Test func sensitiveProcPathsAreMaskedOrReadOnly() throws {
        // Masked files read empty and masked directories list empty, whichever of them this kernel has.
        let files = ["/proc/kcore", "/proc/keys", "/proc/timer_list", "/proc/sched_debug"]
            .filter { FileManager.default.fileExists(atPath: $0) }
        let dirs = ["/proc/acpi", "/proc/scsi", "/sys/firmware"].filter { FileManager.default.fileExists(atPath: $0) }
        let hostHasContent = files.contains { ((try? FileHandle(forReadingFrom: URL(fileURLWithPath: $0)).readData(ofLength: 1)) ?? Data()).count > 0 }
            || dirs.contains { !((try? FileManager.default.contentsOfDirectory(atPath: $0)) ?? []).isEmpty }
        try #require(hostHasContent, "this host has none of the masked paths with content: the test could not fail")
        let listing = (files.map { "echo \($0) $(cat \($0) | wc -c)" } + dirs.map { "echo \($0) $(ls -A \($0) | wc -l)" })
            .joined(separator: "; ")
        // Safety: never write to a path whose write would harm the host if the protection failed.
        // kernel/hostname belongs to the task's own UTS namespace; the others are only probed with -w.
        let result = try isolatedShell("""
            \(listing)
            echo x > /proc/sys/kernel/hostname && echo WROTE-SYS
            [ -w /proc/sys/vm/drop_caches ] && echo WRITABLE-SYS
            [ -e /proc/sysrq-trigger ] && [ -w /proc/sysrq-trigger ] && echo WRITABLE-SYSRQ
            [ -w /sys/class/net/lo/mtu ] && echo WRITABLE-SYSFS
            echo end
            """)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == files.count + dirs.count + 1, "\(result.stdout)")
        for line in lines.dropLast() {
            #expect(line.hasSuffix(" 0"), "not masked: \(line)")
        }
        #expect(!result.stdout.contains("WROTE") && !result.stdout.contains("WRITABLE"), "\(result.stdout)")
        #expect(lines.last == "end")
        #expect(result.stderr.contains("hostname: Read-only file system"))
    }

    @Test func onlyStandardFileDescriptorsAreOpen() throws {
        let result = try isolatedShell("ls /proc/self/fd")
        // ls's own directory fd is 3; nothing of corral's leaks in.
        #expect(result.stdout.split(separator: "\n") == ["0", "1", "2", "3"])
    }

    @Test func chrootIsReadOnlyButTmpIsWritable() throws {
        let result = try isolatedShell("""
            for f in /usr/x /etc/x /x /bin/x; do touch $f 2>/dev/null && echo WROTE $f; done
            echo hi > /tmp/ok && cat /tmp/ok
            awk '$5 == "/" || $5 == "/tmp" { split($6, o, ","); print $5, o[1] }' /proc/self/mountinfo
            """)
        #expect(!result.stdout.contains("WROTE"), "\(result.stdout)")
        #expect(result.stdout == "hi\n/ ro\n/tmp rw\n")
    }

    @Test func bindsAndTmpfsMountsAreApplied() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = FileManager.default.createFile(atPath: dir + "/in.txt", contents: Data("from host\n".utf8))
        let result = try isolatedShell("""
            cat /ro/in.txt; touch /ro/new 2>/dev/null && echo WROTE-RO
            echo back > /rw/out.txt
            df -k /scratch | tail -1 | awk '{print $2}'
            """, options: ["--bind", "\(dir):/ro:ro", "--bind", "\(dir):/rw", "--tmpfs", "/scratch:8m"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "from host\n8192\n")
        #expect(try String(contentsOfFile: dir + "/out.txt", encoding: .utf8) == "back\n")
        // Binds carry nosuid and nodev whatever the host mount had; a tmpfs takes its mode.
        let options = try isolatedShell("""
            awk '$2 == "/rw" || $2 == "/ro" {print $2, $4}' /proc/self/mounts | tr ',' ' ' | \
              awk '{n=0; for (i=2; i<=NF; i++) if ($i == "nosuid" || $i == "nodev") n++; print $1, n}'
            stat -c %a /private
            """, options: ["--bind", "\(dir):/ro:ro", "--bind", "\(dir):/rw", "--tmpfs", "/private:size=1m,mode=700"])
        #expect(options.stdout == "/ro 2\n/rw 2\n700\n", "\(options.stdout) \(options.stderr)")
    }

    @Test func processSettingsAreApplied() throws {
        let result = try isolatedShell(
            "id -u; id -g; pwd; echo $FOO; echo $HOME; ulimit -n; ulimit -Hn; grep NoNewPrivs /proc/self/status; env | sort | cut -d= -f1 | tr '\\n' ' '",
            options: ["--user", "nobody", "--workdir", "/tmp", "--env", "FOO=bar baz", "--rlimit", "nofile=100:200"])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(Array(lines.prefix(7)) == ["65534", "65534", "/tmp", "bar baz", "/nonexistent", "100", "200"])
        #expect(lines[7].hasSuffix("1"), "no_new_privs is set")
        // A clean environment: only what corral sets (and what sh adds itself).
        let names = Set(lines[8].split(separator: " ").map(String.init))
        #expect(names.isSubset(of: ["FOO", "HOME", "HOSTNAME", "PATH", "PWD", "SHLVL", "OLDPWD", "_"]), "\(names)")
    }

    @Test func rlimitsAboveTheHardLimitAreClampedOrRaised() throws {
        // corral runs under a hard limit of 2048 and asks for 4096 (below any nr_open).
        let result = try bash("prlimit --nofile=1024:2048 \"$0\" isolate --rlimit nofile=1024:4096 -- /bin/sh -c 'ulimit -Hn' 2>&1")
        let canRaise = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8))
            .flatMap { $0.split(separator: "\n").first { $0.hasPrefix("CapEff:") } }
            .flatMap { UInt64($0.split(separator: "\t").last ?? "", radix: 16) }
            .map { $0 & (1 << 24) != 0 } ?? false
        #expect(result.status == 0, "\(result.stdout)")
        if canRaise {
            #expect(result.stdout == "4096\n")
        } else {
            #expect(result.stdout.hasSuffix("\n2048\n"))
            #expect(result.stdout.contains("warning: rlimit nofile lowered from 1024:4096 to 1024:2048"))
        }
    }

    @Test func aLowFileLimitAndATightUmaskDoNotBreakTheLaunch() throws {
        let result = try bash("""
            ulimit -n 64; umask 077
            "$0" isolate --tmpfs /a/b/c --user nobody -- /bin/sh -c 'touch /a/b/c/x && echo ok; ls -ld /a | cut -c1-10'
            """)
        #expect(result.status == 0)
        #expect(result.stdout == "ok\ndrwxr-xr-x\n", "created mount points ignore the caller's umask")
    }

    @Test func theWorkdirCannotLeadOutOfTheRoot() throws {
        // No fd of corral's survives into the task, and magic links are not followed (CVE-2024-21626).
        for fd in 3...12 {
            let result = try isolatedShell("ls ../../../..", options: ["--workdir", "/proc/self/fd/\(fd)"])
            #expect(result.status == 125, "fd \(fd): \(result.stdout)")
            #expect(result.stderr.contains("workdir \"/proc/self/fd/\(fd)\""))
        }
    }

    @Test func standardStreamsPassThrough() throws {
        let result = try corral(["isolate", "--", "/bin/sh", "-c", "cat; echo to-err >&2"], stdin: "piped input\n")
        #expect(result.stdout == "piped input\n")
        #expect(result.stderr == "to-err\n")
    }
}

/// An image root: its own files, its own users, and no way for its symlinks to reach the host.
@Suite("Image root (root)", .enabled(if: Integration.enabled, Integration.comment), .timeLimit(.minutes(1)))
struct ImageRootTests {
    /// A tiny image: the host's /usr bound in, /bin -> usr/bin, an /etc of its own.
    func makeImage(passwd: String) throws -> String {
        let image = try temporaryDirectory()
        let fm = FileManager.default
        try fm.createDirectory(atPath: image + "/etc", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: image + "/usr", withIntermediateDirectories: true)
        try fm.createSymbolicLink(atPath: image + "/bin", withDestinationPath: "usr/bin")
        try fm.createSymbolicLink(atPath: image + "/lib", withDestinationPath: "usr/lib")
        try fm.createSymbolicLink(atPath: image + "/lib64", withDestinationPath: "usr/lib64")
        try passwd.write(toFile: image + "/etc/passwd", atomically: true, encoding: .utf8)
        try "root:x:0:\nimg:x:4242:\nextra:x:777:imguser\n".write(toFile: image + "/etc/group", atomically: true, encoding: .utf8)
        return image
    }

    @Test func usersComeFromTheImageAndItsFilesAreWritable() throws {
        let image = try makeImage(passwd: "root:x:0:0:root:/root:/bin/sh\nimguser:x:4242:4242::/home/img:/bin/sh\n")
        defer { try? FileManager.default.removeItem(atPath: image) }
        let result = try isolatedShell("id -u; id -g; id -G; echo $HOME",
                                       options: ["--rootfs", image, "--bind", "/usr:/usr:ro", "--user", "imguser"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "4242\n4242\n4242 777\n/home/img\n", "primary and supplementary groups")
        let withGroup = try isolatedShell("id -u; id -g", options: ["--rootfs", image, "--bind", "/usr:/usr:ro", "--user", "imguser:extra"])
        #expect(withGroup.stdout == "4242\n777\n")
        // An image's /app pointing at a magic link is refused too.
        try FileManager.default.createSymbolicLink(atPath: image + "/app", withDestinationPath: "/proc/self/fd/3")
        let escape = try isolatedShell("ls ../../..", options: ["--rootfs", image, "--bind", "/usr:/usr:ro", "--workdir", "/app"])
        #expect(escape.status == 125 && escape.stderr.contains("workdir \"/app\""))
        // As root the image itself is writable, like runc's default (not the chroot's read-only root).
        let asRoot = try isolatedShell("echo data > /etc/written && echo wrote", options: ["--rootfs", image, "--bind", "/usr:/usr:ro"])
        #expect(asRoot.stdout == "wrote\n")
        #expect(FileManager.default.fileExists(atPath: image + "/etc/written"))
        // A user that exists on the host but not in the image is unknown.
        let hostUser = try isolatedShell("true", options: ["--rootfs", image, "--user", "nobody"])
        #expect(hostUser.status == 125 && hostUser.stderr.contains("--user \"nobody\""))
    }

    @Test func deviceNodesAnImageCarriesAreInert() throws {
        let image = try makeImage(passwd: "root:x:0:0:root:/root:/bin/sh\n")
        defer { try? FileManager.default.removeItem(atPath: image) }
        // A world-writable /dev/null-alike (char 1:3) inside the image, outside our /dev.
        try FileManager.default.createDirectory(atPath: image + "/nodes", withIntermediateDirectories: false)
        #expect(mknod(image + "/nodes/null", S_IFCHR | 0o666, 0x103) == 0)  // makedev(1, 3)
        chmod(image + "/nodes/null", 0o666)
        try #require(FileHandle(forWritingAtPath: image + "/nodes/null") != nil,
                     "the node must work on the host (a nodev /tmp would make this test unable to fail)")
        let result = try isolatedShell("echo x > /nodes/null && echo OPENED; echo x > /dev/null && echo ours-ok",
                                       options: ["--rootfs", image, "--bind", "/usr:/usr:ro"])
        #expect(result.stdout == "ours-ok\n", "\(result.stdout)")
        #expect(result.stderr.contains("Permission denied"))
    }

    @Test func anImagesPasswdSymlinkCannotReadTheHostsFiles() throws {
        let image = try makeImage(passwd: "")
        defer { try? FileManager.default.removeItem(atPath: image) }
        // /etc/passwd -> /etc/hostpasswd: resolved inside the image, never the host's /etc.
        try FileManager.default.removeItem(atPath: image + "/etc/passwd")
        try FileManager.default.createSymbolicLink(atPath: image + "/etc/passwd", withDestinationPath: "/etc/hostpasswd")
        try "imguser:x:7:7::/:/bin/sh\n".write(toFile: image + "/etc/hostpasswd", atomically: true, encoding: .utf8)
        let inImage = try isolatedShell("id -u", options: ["--rootfs", image, "--bind", "/usr:/usr:ro", "--user", "imguser"])
        #expect(inImage.stdout == "7\n", "\(inImage.stderr)")
        // A link that climbs out with .. stays in the image too: "root" is not found in the host's passwd.
        try FileManager.default.removeItem(atPath: image + "/etc/passwd")
        try FileManager.default.createSymbolicLink(atPath: image + "/etc/passwd", withDestinationPath: "../../../../etc/passwd")
        let escaped = try isolatedShell("true", options: ["--rootfs", image, "--bind", "/usr:/usr:ro", "--user", "nobody"])
        #expect(escaped.status == 125, "the host's nobody must not be found through the image")
    }
}

/// With a terminal, the task gets one too (a pseudo-terminal proxied by the supervisor).
@Suite("Terminal (root)", .enabled(if: Integration.enabled && FileManager.default.isExecutableFile(atPath: "/usr/bin/script"),
                                   Integration.skipReason.map { Comment(rawValue: $0) } ?? "needs script(1) from util-linux"), .timeLimit(.minutes(1)))
struct TerminalTests {
    @Test func noTTYKeepsPipes() throws {
        let result = try bash("script -qec \"$0 isolate --no-tty -- /bin/sh -c 'test -t 1 || echo pipes'\" /dev/null")
        #expect(result.status == 0)
        #expect(result.stdout.contains("pipes"))
    }

    @Test func taskGetsATerminalWhenCorralHasOne() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/script")
        process.arguments = ["-qec", "\(Integration.corral) isolate -- /bin/sh -c 'test -t 0 && test -t 1 && echo both-tty; read x; echo got-$x; exit 6'", "/dev/null"]
        let out = Pipe(), input = Pipe()
        process.standardOutput = out
        process.standardInput = input
        try process.run()
        input.fileHandleForWriting.write(Data("hello\n".utf8))
        let output = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 6)
        #expect(output.contains("both-tty"))
        #expect(output.contains("got-hello"))
    }
}

/// Exactly the namespaces asked for: new ones differ from the host's, shared ones are the host's.
@Suite("Namespaces (root)", .enabled(if: Integration.enabled, Integration.comment), .timeLimit(.minutes(1)))
struct NamespaceTests {
    static let kinds = ["mnt", "pid", "uts", "ipc", "net", "cgroup"]

    func namespaces(_ options: [String]) throws -> [String: Bool] {
        // pid_for_children of the task is its own pid namespace; /proc/self/ns/pid is the same for it.
        let script = Self.kinds.map { "echo \($0)=$(readlink /proc/self/ns/\($0))" }.joined(separator: "; ")
        let result = try isolatedShell(script, options: options)
        #expect(result.status == 0, "\(result.stderr)")
        var shared: [String: Bool] = [:]
        for line in result.stdout.split(separator: "\n") {
            let parts = line.split(separator: "=", maxSplits: 1).map(String.init)
            let host = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/ns/\(parts[0])")
            shared[parts[0]] = parts[1] == host
        }
        return shared
    }

    @Test func privateByDefault() throws {
        #expect(try namespaces([]) == Dictionary(uniqueKeysWithValues: Self.kinds.map { ($0, false) }))
    }

    @Test func hostModesShareExactlyThoseNamespaces() throws {
        let shared = try namespaces(["--net", "host", "--pid", "host", "--ipc", "host"])
        #expect(shared == ["mnt": false, "pid": true, "uts": false, "ipc": true, "net": true, "cgroup": false])
        #expect(try namespaces(["--ipc", "host"]) == ["mnt": false, "pid": false, "uts": false, "ipc": true, "net": false, "cgroup": false])
    }
}

/// The supervisor rotates each stream's log by size and keeps the newest files.
@Suite("Log rotation (root)", .enabled(if: Integration.enabled, Integration.comment), .timeLimit(.minutes(1)))
struct LogRotationTests {
    @Test func logsRotateBySizeAndKeepTheNewest() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let state = dir + "/state"
        // 5000 lines of "NNNNN\n" (6 bytes each: 30000 bytes) into 4 KiB files, 3 kept.
        let result = try isolatedShell("seq 10000 14999", options: ["--state-dir", state, "--log-max-size", "4k", "--log-max-files", "3"])
        #expect(result.status == 0)
        #expect(result.stdout.count == 30000, "the caller still gets everything")
        let files = try FileManager.default.contentsOfDirectory(atPath: state).filter { $0.hasPrefix("stdout.log") }.sorted()
        #expect(files == ["stdout.log", "stdout.log.1", "stdout.log.2"])
        let sizes = try files.map { try FileManager.default.attributesOfItem(atPath: state + "/" + $0)[.size] as? Int ?? -1 }
        #expect(sizes.allSatisfy { $0 <= 4096 })
        // Oldest to newest, the kept files are the tail of the output, cut exactly at the rotations.
        let kept = try ["stdout.log.2", "stdout.log.1", "stdout.log"].map {
            try String(contentsOfFile: state + "/" + $0, encoding: .utf8)
        }.joined()
        #expect(result.stdout.hasSuffix(kept))
        #expect(kept.count > 2 * 4096, "two full files and the current one")
        #expect(!FileManager.default.fileExists(atPath: state + "/stderr.log"), "no output, no file")
    }

    @Test func badRotationSettingsAreUsageErrors() throws {
        #expect(try corral(["isolate", "--log-max-size", "big", "--", "true"]).status == 2)
        #expect(try corral(["isolate", "--log-max-files", "0", "--", "true"]).status == 2)
    }
}
