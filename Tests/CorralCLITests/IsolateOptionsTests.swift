import CorralIsolation
import Testing
@testable import CorralCLI
@testable import CorralIsolateCLI

@Suite("corral isolate options")
struct IsolateOptionsTests {
    /// Parses as `corral isolate ARGS` does.
    func parse(_ arguments: [String]) throws -> Isolate {
        try Isolate.parse(arguments)
    }

    @Test func mapsEveryOptionIntoTheSpec() throws {
        let isolate = try parse([
            "--rootfs", "/images/app", "--net", "host", "--pid", "host", "--ipc", "host", "--hostname", "web-1",
            "--env", "A=1", "--env", "B=2", "--workdir", "/srv", "--user", "app:adm",
            "--bind", "/data:/data:ro", "--bind", "/cache:/cache", "--tmpfs", "/scratch:64m", "--tmpfs", "/run",
            "--rlimit", "nofile=1024:2048", "--state-dir", "/var/lib/x", "--log-max-size", "1m", "--log-max-files", "4",
            "--", "python3", "-m", "http.server", "--bind", "::",
        ])
        let spec = try isolate.spec(id: "abc", terminal: false, term: nil)
        #expect(spec.command == ["python3", "-m", "http.server", "--bind", "::"])
        #expect(spec.rootfs == "/images/app")
        #expect(spec.namespaces == NamespaceSet(network: .host, pid: .host, ipc: .host))
        #expect(spec.hostname == "web-1")
        #expect(spec.environment == ["A=1", "B=2"])
        #expect(spec.workdir == "/srv" && spec.user == "app:adm")
        #expect(spec.binds == [BindMount(source: "/data", destination: "/data", readOnly: true),
                               BindMount(source: "/cache", destination: "/cache")])
        #expect(spec.tmpfs == [TmpfsMount(destination: "/scratch", sizeBytes: 64 << 20), TmpfsMount(destination: "/run")])
        #expect(TmpfsMount(argument: "/s:size=1m,mode=700") == TmpfsMount(destination: "/s", sizeBytes: 1 << 20, mode: 0o700))
        #expect(TmpfsMount(argument: "/s:mode=0750") == TmpfsMount(destination: "/s", mode: 0o750))
        #expect(TmpfsMount(argument: "/s:mode=9") == nil && TmpfsMount(argument: "/s:uid=0") == nil)
        #expect(spec.rlimits.map(\.soft) == [1024] && spec.rlimits.map(\.hard) == [2048])
        #expect(isolate.stateDir == "/var/lib/x")
        #expect(isolate.logRotation == LogRotation(maxFileBytes: 1 << 20, maxFiles: 4))
    }

    @Test func defaultsArePrivateAndNamedAfterTheId() throws {
        let spec = try parse(["/bin/true"]).spec(id: "0123456789ab", terminal: true, term: "vt100")
        #expect(spec.command == ["/bin/true"])
        #expect(spec.namespaces == NamespaceSet(network: .none, pid: .private, ipc: .private))
        #expect(spec.hostname == "corral-0123456789ab")
        #expect(spec.terminal && spec.term == "vt100")
        #expect(spec.rootfs == nil && spec.workdir == "/" && spec.user == nil)
    }

    @Test func argumentsAfterTheCommandBelongToIt() throws {
        let spec = try parse(["sh", "-c", "echo --net"]).spec(id: "x", terminal: false, term: nil)
        #expect(spec.command == ["sh", "-c", "echo --net"])
    }

    @Test(arguments: [
        ["--net", "bogus", "--", "true"], ["--pid", "shared", "true"], ["--bind", "/only-source", "true"],
        ["--bind", "/a:/b:rx", "true"], ["--tmpfs", "/x:lots", "true"], ["--rlimit", "nofile=x", "true"],
        ["--"], [], ["--bogus", "true"], ["-x", "true"], ["--no-tty=yes", "true"], ["--memory"], ["--log-max-files", "x", "true"],
    ])
    func usageErrorsExitTwo(arguments: [String]) {
        #expect(CorralMain.run(["isolate"] + arguments) == 2)
    }

    @Test func usageErrorsNameTheOptionAndValue() throws {
        #expect(throws: IsolateUsage.self) { try Isolate.parse(["--rlimit", "bogus=1", "true"]) }
        do { _ = try Isolate.parse(["--rlimit", "bogus=1", "true"]) } catch {
            #expect(error.description.contains("unknown resource \"bogus\""))
        }
        do { _ = try Isolate.parse(["--net", "bogus", "true"]) } catch {
            #expect(error.description == "--net \"bogus\": expected one of none, host")
        }
        do { _ = try Isolate.parse(["--bogus", "true"]) } catch {
            #expect(error.description == "unknown option '--bogus'")
        }
        do { _ = try Isolate.parse(["--memory"]) } catch {
            #expect(error.description.hasPrefix("--memory needs a value: --memory <size>"))
        }
        // A forgotten value does not swallow the next option.
        for arguments in [["--hostname", "--pid", "host", "ls"], ["--cgroup-parent", "--stats", "sh"], ["--env", "--", "true"]] {
            #expect(throws: IsolateUsage.self, "\(arguments)") { try Isolate.parse(arguments) }
        }
        #expect(try Isolate.parse(["--hostname=--odd", "ls"]).hostname == "--odd")
        #expect(try Isolate.parse(["--env", "-X=1", "ls"]).env == ["-X=1"])
    }

    @Test(arguments: [("512", UInt64(512)), ("64k", 65536), ("64M", 64 << 20), ("1g", 1 << 30), ("2GB", 2 << 30)])
    func byteSizes(text: String, bytes: UInt64) {
        #expect(parseByteSize(text) == bytes)
    }

    @Test(arguments: ["", "0", "m", "12x", "-5", "99999999999999999999t"])
    func badByteSizes(text: String) {
        #expect(parseByteSize(text) == nil)
    }
}

@Suite("timestamps")
struct TimestampTests {
    @Test(arguments: [
        (0, 0, "1970-01-01T00:00:00.000000000Z"),
        (951_782_400, 5, "2000-02-29T00:00:00.000000005Z"),
        (1_795_915_833, 323_462_212, "2026-11-29T01:30:33.323462212Z"),
        (4_107_542_399, 999_999_999, "2100-02-28T23:59:59.999999999Z"),
        (-1, 0, "1969-12-31T23:59:59.000000000Z"),
    ])
    func formatsUTC(seconds: Int, nanoseconds: Int, expected: String) {
        #expect(Timestamp.format(seconds: seconds, nanoseconds: nanoseconds) == expected)
    }
}

@Suite("help")
struct HelpTests {
    @Test(arguments: [["isolate", "--help"], ["isolate", "-h"], ["isolate", "--net", "host", "--help"], ["help", "isolate"]])
    func helpExitsZero(arguments: [String]) {
        #expect(CorralMain.run(arguments) == 0)
    }

    @Test(arguments: [["--help"], ["-h"], ["--net", "host", "--help"]])
    func helpIsShownNotRun(arguments: [String]) {
        #expect(throws: IsolateUsage.help) { try Isolate.parse(arguments) }
        #expect(IsolateMain.helpText.contains("--bind <src:dst[:ro]>"))
    }

    @Test func afterTheSeparatorOrTheCommandHelpIsTheCommands() throws {
        #expect(try Isolate.parse(["--", "--help"]).spec(id: "x", terminal: false, term: nil).command == ["--help"])
        #expect(try Isolate.parse(["ls", "--help"]).spec(id: "x", terminal: false, term: nil).command == ["ls", "--help"])
    }

    /// Every option in the table is in the help, with its value's name, and the help fits 80 columns.
    @Test func theHelpListsEveryOption() {
        for option in IsolateOptionTable.options {
            #expect(IsolateMain.helpText.contains("--\(option.name)" + (option.valueName.map { " <\($0)>" } ?? "")), "\(option.name)")
        }
        #expect(IsolateMain.helpText.split(separator: "\n").allSatisfy { $0.count <= 80 || !$0.hasPrefix(" ") })
    }

    /// `--name=value` and `--name value` are the same; a repeated single option keeps its last value.
    @Test func bothValueFormsAgree() throws {
        let spaced = try Isolate.parse(["--memory", "64m", "--env", "A=1", "--hostname", "a", "--hostname", "b", "true"])
        let joined = try Isolate.parse(["--memory=64m", "--env=A=1", "--hostname=a", "--hostname=b", "true"])
        #expect(spaced == joined && spaced.hostname == "b" && spaced.env == ["A=1"])
    }
}

@Suite("isolate parsed as its own root")
struct PseudoRootTests {
    @Test func helpAndUsageStillSayCorralIsolate() {
        #expect(IsolateMain.helpText.contains("USAGE: corral isolate [<options>]"))
        #expect(IsolateHelp.failure("x").contains("Usage: corral isolate"))
    }

    @Test func theRootCommandStillListsAndHelpsIsolate() {
        #expect(Corral.helpMessage().contains("isolate"))
        #expect(CorralMain.run(["help", "isolate"]) == 0)
    }
}
