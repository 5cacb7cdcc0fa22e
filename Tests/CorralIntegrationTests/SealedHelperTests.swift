import Foundation
import Testing

/// The CVE-2019-5736 class (issue 15, item 2): whatever the task's command resolves to, no host
/// executable runs in the task, and what /proc/self/exe names there cannot be written. The task's last
/// step execs corral-exec (or, under `init = true`, corral-init) from a sealed memfd, which execs the command; every entry that reaches back
/// to /proc/self/exe (the command itself, a symlink to it, a script's interpreter, an ELF's PT_INTERP)
/// reaches that sealed copy, which refuses to run anything but its exact forms.
@Suite("Sealed helper: no host executable in a task (root)",
       .enabled(if: Cgroups.enabled && HostileImage.skipReason == nil,
                Comment(rawValue: Cgroups.skipReason ?? HostileImage.skipReason ?? "")),
       .timeLimit(.minutes(6)))
struct SealedHelperTests {
    /// The run reached no host corral: refused by the sealed helper (or killed), never corral's output.
    func expectSealed(_ result: RunResult, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(result.status != 0, "\(what): \(result.stdout) \(result.stderr)", sourceLocation: sourceLocation)
        #expect(!result.stdout.lowercased().contains("corral"), "\(what): \(result.stdout)", sourceLocation: sourceLocation)
        #expect(!result.stdout.contains("USAGE") && !result.stderr.contains("USAGE"), "\(what)", sourceLocation: sourceLocation)
    }

    @Test func procSelfExeAsTheCommandRunsTheSealedHelper() throws {
        let image = try HostileImage()
        defer { image.remove() }
        for arguments in [["--help"], ["--version"], ["isolate", "--", "/bin/sh"], ["--", "/bin/busybox", "echo", "x"],
                          ["--init", "--", "/bin/busybox", "echo", "x"], ["-", "x", "--", "y"], []] {
            let result = try corral(["isolate", "--rootfs", image.root, "--", "/proc/self/exe"] + arguments)
            expectSealed(result, "/proc/self/exe \(arguments)")
            #expect(result.status == 126, "\(arguments): \(result.stderr)")
            #expect(result.stderr.contains("corral-exec: refusing to run"), "\(result.stderr)")
        }
        // Its one exact form execs the task's own command, nothing else.
        let asExec = try corral(["isolate", "--rootfs", image.root, "--", "/proc/self/exe", "-", "1", "/bin/busybox", "--",
                                 "busybox", "echo", "x"])
        #expect(asExec.status == 0 && asExec.stdout == "x\n", "\(asExec.stderr)")
        // In the default chroot as well.
        let chroot = try corral(["isolate", "--", "/proc/self/exe", "--version"])
        expectSealed(chroot, "chroot /proc/self/exe")
    }

    @Test func aSymlinkToProcSelfExeRunsTheSealedHelper() throws {
        let image = try HostileImage()
        defer { image.remove() }
        try image.link("/bin/selfexe", to: "/proc/self/exe")
        try image.link("/bin/chain", to: "selfexe")
        for command in ["/bin/selfexe", "/bin/chain", "selfexe"] {
            let result = try corral(["isolate", "--rootfs", image.root, "--env", "PATH=/bin", "--", command, "--version"])
            expectSealed(result, command)
            #expect(result.status == 126, "\(command): \(result.stderr)")
        }
    }

    @Test func aScriptWhoseInterpreterIsProcSelfExeRunsTheSealedHelper() throws {
        let image = try HostileImage()
        defer { image.remove() }
        for (index, line) in ["#!/proc/self/exe", "#!/proc/self/exe --init --", "#!/proc/self/exe --version",
                              "#!/proc/1/exe", "#!/proc/thread-self/exe"].enumerated() {
            try image.file("/bin/script\(index)", line + "\necho ran\n", mode: 0o755)
            let result = try corral(["isolate", "--rootfs", image.root, "--", "/bin/script\(index)"])
            expectSealed(result, line)
            #expect(!result.stdout.contains("ran"), "\(line)")
        }
        // Started from a shell inside the task, /proc/self/exe is that shell: the image's own busybox.
        let shell = try corral(["isolate", "--rootfs", image.root, "--", "/bin/sh", "-c", "/bin/script0; echo status=$?"])
        #expect(!shell.stdout.contains("ran") && !shell.stdout.contains("status=0"), "\(shell.stdout) \(shell.stderr)")
    }

    @Test(.enabled(if: access("/usr/bin/cc", X_OK) == 0, "needs a C compiler to build an ELF with PT_INTERP /proc/self/exe"))
    func anELFWhoseInterpreterIsProcSelfExeRunsTheSealedHelper() throws {
        let image = try HostileImage()
        defer { image.remove() }
        let source = image.base + "/interp.c"
        try "int main(void) { return 0; }\n".write(toFile: source, atomically: false, encoding: .utf8)
        let built = try bash("cc -o \(image.root)/bin/interp \(source) -Wl,--dynamic-linker=/proc/self/exe")
        try #require(built.status == 0, "cc failed")
        let result = try corral(["isolate", "--rootfs", image.root, "--", "/bin/interp", "--version"])
        expectSealed(result, "PT_INTERP")
    }

    @Test func whatATaskFindsAtProcSelfExeIsNotTheHostsBinaryAndCannotBeWritten() throws {
        // A shell started as the task's command: its parent-less start went through the helper, and
        // re-running /proc/self/exe from inside gives the task's own shell, never corral.
        var host = stat()
        try #require(stat(Integration.corral, &host) == 0)
        let image = try HostileImage()
        defer { image.remove() }
        let script = """
            bb=/bin/busybox
            $bb stat -L -c '%d:%i' /proc/self/exe
            (exec 3>>/proc/self/exe) 2>/dev/null && echo self-writable
            (exec 3>>/proc/1/exe) 2>/dev/null && echo init-writable
            echo done
            """
        let result = try corral(["isolate", "--rootfs", image.root, "--", "/bin/sh", "-c", script])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(!result.stdout.contains("\(host.st_dev):\(host.st_ino)"))
        #expect(!result.stdout.contains("writable"), "\(result.stdout)")
        #expect(result.stdout.hasSuffix("done\n"))
    }

    /// The supervisor runs from the host's file only where the task cannot see it (a pid namespace of
    /// its own); a task sharing the host's pid namespace finds its supervisor (its parent) at a sealed
    /// copy, even with CAP_SYS_PTRACE to get past the supervisor being non-dumpable.
    @Test func aTaskSharingTheHostsPidNamespaceFindsNoHostBinaryAtItsSupervisor() throws {
        var host = stat()
        try #require(stat(Integration.productsDirectory + "/corral-supervisor", &host) == 0)
        let image = try HostileImage()
        defer { image.remove() }
        let script = """
            bb=/bin/busybox
            parent=$($bb awk '/^PPid:/ { print $2 }' /proc/$$/status)
            echo "parent $parent"
            $bb stat -L -c '%d:%i' /proc/$parent/exe 2>/dev/null
            (exec 3>>/proc/$parent/exe) 2>/dev/null && echo supervisor-writable
            echo done
            """
        for extra in [[], ["--cap-add", "SYS_PTRACE"]] {
            let result = try corral(["isolate", "--rootfs", image.root, "--pid", "host"] + extra + ["--", "/bin/sh", "-c", script])
            #expect(result.status == 0, "\(extra): \(result.stderr)")
            #expect(!result.stdout.contains("parent 0\n"), "\(extra): the task should see its parent: \(result.stdout)")
            #expect(!result.stdout.contains("\(host.st_dev):\(host.st_ino)"), "\(extra): \(result.stdout)")
            #expect(!result.stdout.contains("writable"), "\(extra): \(result.stdout)")
            #expect(result.stdout.hasSuffix("done\n"), "\(extra): \(result.stdout)")
        }
        // In a pid namespace of its own the task has no parent to look at.
        let own = try corral(["isolate", "--rootfs", image.root, "--cap-add", "SYS_PTRACE", "--", "/bin/sh", "-c", script])
        #expect(own.status == 0 && own.stdout.hasPrefix("parent 0\n") && own.stdout.hasSuffix("done\n"), "\(own.stdout) \(own.stderr)")
        #expect(!own.stdout.contains("\(host.st_dev):\(host.st_ino)"), "\(own.stdout)")
    }

    @Test func theExitStatusContractHolds() throws {
        let image = try HostileImage()
        defer { image.remove() }
        try image.file("/bin/noexec", "x", mode: 0o644)
        let missing = try corral(["isolate", "--rootfs", image.root, "--", "/bin/nosuch"])
        #expect(missing.status == 127 && missing.stderr.contains("\"/bin/nosuch\""), "\(missing.stderr)")
        let denied = try corral(["isolate", "--rootfs", image.root, "--", "/bin/noexec"])
        #expect(denied.status == 126 && denied.stderr.contains("/bin/noexec"), "\(denied.stderr)")
        let searched = try corral(["isolate", "--rootfs", image.root, "--", "nosuch"])
        #expect(searched.status == 127, "\(searched.stderr)")
        let ran = try corral(["isolate", "--rootfs", image.root, "--", "sh", "-c", "exit 7"])
        #expect(ran.status == 7, "\(ran.stderr)")
    }

    @Test func nothingOfCorralsIsOpenWhenTheCommandRuns() throws {
        let image = try HostileImage()
        defer { image.remove() }
        // The command's fds: its stdio, nothing else (no report pipe,
        // lifeline, memfd), whether run directly or through the sealed helper's form a second time.
        for prefix in [[], ["/proc/self/exe", "-", "1", "/bin/busybox", "--"]] {
            let result = try corral(["isolate", "--rootfs", image.root, "--"] + prefix + ["/bin/busybox", "ls", "-l", "/proc/self/fd"])
            let targets = result.stdout.split(separator: "\n").compactMap { line in
                line.range(of: " -> ").map { String(line[$0.upperBound...]) }
            }
            // (ls's own directory fd is gone before it reads the link: only stdio resolves.)
            #expect(targets.count == 3, "\(prefix): \(result.stdout) \(result.stderr)")
            #expect(!targets.contains { $0.contains("memfd") || $0.contains("corral") }, "\(prefix): \(result.stdout)")
        }
    }
}
