import Testing
@testable import CorralIsolation

@Suite("Launch plan building")
struct LaunchPlanBuilderTests {
    let builder = LaunchPlanBuilder(host: FakeHost.debian())

    func spec(_ command: [String] = ["sh", "-c", "true"]) -> IsolationSpec {
        IsolationSpec(command: command, hostname: "task-1")
    }

    func build(_ spec: IsolationSpec) throws -> LaunchPlan {
        try builder.build(spec, rootMountpoint: "/run/corral/isolate/x/rootfs")
    }

    /// A request malformed wherever it runs: `.usage` (exit 2).
    func expectUsage(_ spec: IsolationSpec, option: String, containing text: String) {
        expectRejected(spec, kind: { if case .usage(let o, _, let r) = $0 { (o, r) } else { nil } }, option: option, containing: text)
    }

    /// A well-formed request this host cannot satisfy: `.invalid` (exit 125).
    func expectInvalid(_ spec: IsolationSpec, option: String, containing text: String) {
        expectRejected(spec, kind: { if case .invalid(let o, _, let r) = $0 { (o, r) } else { nil } }, option: option, containing: text)
    }

    /// Expects the build to fail with the error `kind` extracts (option, reason) from.
    func expectRejected(_ spec: IsolationSpec, kind: (LaunchError) -> (String, String)?, option: String,
                        containing text: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(sourceLocation: sourceLocation) {
            try build(spec)
        } throws: { error in
            guard let error = error as? LaunchError, let (o, reason) = kind(error) else { return false }
            return o == option && reason.contains(text)
        }
    }

    @Test func chrootReplicatesSymlinksAndBindsDirectoriesReadOnly() throws {
        let plan = try build(spec())
        #expect(plan.rootImage == nil)
        #expect(plan.rootReadOnly)
        #expect(plan.mounts.contains(.symlink(target: "/bin", linkTarget: "usr/bin")))
        #expect(plan.mounts.contains(.bind(source: "/usr", target: "/usr", isFile: false,
                                           attributes: [.readOnly, .nosuid, .nodev])))
        // Not the host's /etc: a generated one (GeneratedEtcTests).
        #expect(!plan.mounts.contains { if case .bind(let source, _, _, _) = $0 { source == "/etc" } else { false } })
        // /lib32 does not exist on this host: skipped, not an error.
        #expect(!plan.mounts.contains { $0.target == "/lib32" })
    }

    @Test func systemMountsComeWithMasksAndReadOnlyPaths() throws {
        let plan = try build(spec())
        let targets = plan.mounts.map(\.target)
        for path in ["/proc", "/sys", "/dev", "/dev/pts", "/dev/shm", "/dev/mqueue", "/tmp", "/dev/null", "/dev/urandom"] {
            #expect(targets.contains(path), "missing \(path)")
        }
        #expect(plan.mounts.contains(.mask(target: "/proc/kcore")))
        #expect(plan.mounts.contains(.readOnly(target: "/proc/sys")))
        // /proc must exist before anything is masked inside it.
        let proc = try #require(targets.firstIndex(of: "/proc"))
        let kcore = try #require(targets.firstIndex(of: "/proc/kcore"))
        #expect(proc < kcore)
        #expect(plan.mounts.contains(.filesystem(type: "sysfs", target: "/sys",
                                                 flags: [.nosuid, .nodev, .noexec, .readOnly], data: "")))
    }

    @Test func imageRootIsNotReadOnlyAndHasNoChrootBinds() throws {
        var s = spec()
        s.rootfs = "/images/alpine"
        let plan = try build(s)
        #expect(plan.rootImage == "/images/alpine")
        #expect(!plan.rootReadOnly)
        #expect(!plan.mounts.contains { if case .bind(_, "/usr", _, _) = $0 { return true } else { return false } })
    }

    @Test func userMountsFollowTheSystemOnes() throws {
        var s = spec()
        s.binds = [BindMount(source: "/srv/data", destination: "/data", readOnly: true),
                   BindMount(source: "/srv/file.txt", destination: "/etc/app.conf")]
        s.tmpfs = [TmpfsMount(destination: "/scratch", sizeBytes: 64 << 20)]
        let plan = try build(s)
        let n = plan.mounts.count
        #expect(plan.mounts[n - 3] == .bind(source: "/srv/data", target: "/data", isFile: false, attributes: [.readOnly, .nosuid, .nodev]))
        #expect(plan.mounts[n - 2] == .bind(source: "/srv/file.txt", target: "/etc/app.conf", isFile: true, attributes: [.nosuid, .nodev]))
        #expect(plan.mounts[n - 1] == .filesystem(type: "tmpfs", target: "/scratch", flags: [.nosuid, .nodev],
                                                  data: "mode=1777,size=67108864"))
    }

    @Test func badMountsAreRejectedNamingTheOption() {
        var s = spec()
        s.binds = [BindMount(source: "/nonexistent", destination: "/x")]
        expectInvalid(s, option: "--bind", containing: "does not exist")
        s.binds = [BindMount(source: "/srv/data", destination: "relative")]
        expectUsage(s, option: "--bind", containing: "must be absolute")
        s.binds = [BindMount(source: "srv", destination: "/x")]
        expectUsage(s, option: "--bind", containing: "absolute")
        s.binds = [BindMount(source: "/srv/data", destination: "/a/../../etc")]
        expectUsage(s, option: "--bind", containing: "..")
        s.binds = [BindMount(source: "/srv/data", destination: "/")]
        expectUsage(s, option: "--bind", containing: "root")
        s.binds = []
        s.tmpfs = [TmpfsMount(destination: "tmp2")]
        expectUsage(s, option: "--tmpfs", containing: "absolute")
    }

    @Test func missingRootfsAndBadValuesAreRejected() {
        var s = spec()
        s.rootfs = "/nonexistent/image"
        expectInvalid(s, option: "--rootfs", containing: "no such directory")
        s.rootfs = "images/alpine"
        expectUsage(s, option: "--rootfs", containing: "absolute")
        s = spec()
        s.hostname = "bad host name"
        expectUsage(s, option: "--hostname", containing: "letters")
        s = spec()
        s.workdir = "relative"
        expectUsage(s, option: "--workdir", containing: "absolute")
        s = spec()
        s.environment = ["=value"]
        expectUsage(s, option: "--env", containing: "KEY=VALUE")
        expectUsage(spec([]), option: "command", containing: "no command")
        expectUsage(spec([""]), option: "command", containing: "no command")
    }

    @Test func environmentIsCleanWithDefaultsAndOverrides() throws {
        var s = spec()
        s.environment = ["FOO=bar", "PATH=/opt/bin:/usr/bin", "EMPTY="]
        let plan = try build(s)
        #expect(plan.environment == ["PATH=/opt/bin:/usr/bin", "HOME=/root", "HOSTNAME=task-1", "FOO=bar", "EMPTY="])
        s.terminal = true
        s.term = "screen"
        #expect(try build(s).environment.contains("TERM=screen"))
    }

    @Test func executableIsSearchedInTheTasksPath() throws {
        var s = spec(["python3", "-V"])
        s.environment = ["PATH=/opt/bin:relative:/usr/bin"]
        #expect(try build(s).executableCandidates == ["/opt/bin/python3", "/usr/bin/python3"])
        #expect(LaunchPlanBuilder.executableCandidates("/bin/sh", path: "/usr/bin", workdir: "/") == ["/bin/sh"])
        #expect(LaunchPlanBuilder.executableCandidates("./run.sh", path: "/usr/bin", workdir: "/app") == ["/app/./run.sh"])
    }

    @Test func usersResolveAgainstTheTasksOwnEtc() throws {
        var s = spec()
        #expect(try build(s).identity == UserIdentity(uid: 0, gid: 0, supplementaryGroups: [44], home: "/root"))
        s.user = "app"
        #expect(try build(s).identity == UserIdentity(uid: 1000, gid: 1000, supplementaryGroups: [4, 44], home: "/home/app"))
        s.user = "guest"
        expectInvalid(s, option: "--user", containing: "no such user")
        s.rootfs = "/images/alpine"
        #expect(try build(s).identity == UserIdentity(uid: 405, gid: 100, supplementaryGroups: [100], home: "/dev/null"))
    }

    /// An image whose account files cannot be read as plain files (a FIFO, a device, too big): the
    /// start is refused, naming the file and why, instead of hanging or reading without end.
    @Test func unreadableAccountFilesOfAnImageAreRefused() throws {
        var host = FakeHost.debian()
        host.unreadable["/images/alpine/etc/group"] = "open /images/alpine/etc/group: not a regular file (a FIFO)"
        var s = spec()
        s.rootfs = "/images/alpine"
        #expect {
            try LaunchPlanBuilder(host: host).build(s, rootMountpoint: "/run/corral/isolate/x/rootfs")
        } throws: { error in
            guard case .invalid(let option, let value, let reason) = error as? LaunchError else { return false }
            return option == "--rootfs" && value == "/images/alpine" && reason.contains("/etc/group") && reason.contains("a FIFO")
        }
    }

    /// A bind source or image judged by a policy in its canonical form, which a symlink swapped in
    /// since the check now redirects: refused, never mounted from where the link leads.
    @Test func anApprovedSourceThatChangedSinceTheCheckIsRefused() throws {
        var host = FakeHost.debian()
        host.files["/srv/allowed/sub"] = .directory
        host.files["/images/app"] = .directory
        var s = spec()
        s.binds = [BindMount(source: "/srv/allowed/sub", destination: "/data", readOnly: true)]
        s.approvedSources = ["/srv/allowed/sub"]
        // Unchanged: mounted from the path as judged.
        let plan = try LaunchPlanBuilder(host: host).build(s, rootMountpoint: "/r")
        #expect(plan.mounts.contains { if case .bind("/srv/allowed/sub", "/data", _, _) = $0 { true } else { false } })
        host.canonical["/srv/allowed/sub"] = "/etc"
        #expect {
            try LaunchPlanBuilder(host: host).build(s, rootMountpoint: "/r")
        } throws: { error in
            guard case .invalid(let option, let value, let reason) = error as? LaunchError else { return false }
            return option == "--bind" && value == "/srv/allowed/sub" && reason.contains("/etc") && reason.contains("changed since it was checked")
        }
        s.binds = []
        s.rootfs = "/images/app"
        s.approvedSources = ["/images/app"]
        host.canonical["/images/app"] = "/usr"
        #expect {
            try LaunchPlanBuilder(host: host).build(s, rootMountpoint: "/r")
        } throws: { error in
            guard case .invalid(let option, _, let reason) = error as? LaunchError else { return false }
            return option == "--rootfs" && reason.contains("/usr")
        }
        // Not judged by a policy (corral isolate): resolved as before.
        s.approvedSources = []
        #expect(try LaunchPlanBuilder(host: host).build(s, rootMountpoint: "/r").rootImage == "/usr")
    }

    @Test func rlimitsAboveTheHardLimitAreClampedWithAWarning() throws {
        var host = FakeHost.debian()
        let nofile = ResourceLimit.resources["nofile"]!
        host.hardLimits[nofile] = 4096
        var s = spec()
        s.rlimits = [try ResourceLimit.parse("nofile=1024:65536"), try ResourceLimit.parse("core=0")]
        let plan = try LaunchPlanBuilder(host: host).build(s, rootMountpoint: "/r")
        #expect(plan.rlimits[0].soft == 1024 && plan.rlimits[0].hard == 4096)
        #expect(plan.warnings.count == 1)
        #expect(plan.warnings[0].contains("CAP_SYS_RESOURCE"))
        host.canRaiseHardLimits = true
        let raised = try LaunchPlanBuilder(host: host).build(s, rootMountpoint: "/r")
        #expect(raised.rlimits[0].hard == 65536 && raised.warnings.isEmpty)
    }

    @Test func namespacesFollowTheModes() {
        let all = NamespaceSet().cloneFlags
        let shared = NamespaceSet(network: .host, pid: .host, ipc: .host).cloneFlags
        #expect(all & ~shared != 0)
        #expect(shared & NamespaceSet().cloneFlags == shared, "host modes only remove flags")
        #expect(NamespaceSet(network: .host).cloneFlags != all)
        #expect(NamespaceSet(pid: .host).cloneFlags != all)
        #expect(NamespaceSet(ipc: .host).cloneFlags != all)
    }

    @Test func aRootOfTheHostOrOverCorralsStateIsRefused() {
        var host = FakeHost.debian()
        for path in ["/", "/run", "/run/corral", "/run/corral/tasks", "/var/run"] { host.files[path] = .directory }
        let builder = LaunchPlanBuilder(host: host)
        for rootfs in ["/", "/run", "/run/corral", "/run/corral/tasks"] {
            var s = spec()
            s.rootfs = rootfs
            #expect(sourceLocation: #_sourceLocation) {
                try builder.build(s, rootMountpoint: "/run/corral/isolate/x/rootfs")
            } throws: { error in
                guard case .invalid(let option, _, let reason) = error as? LaunchError else { return false }
                return option == "--rootfs" && (reason.contains("host's root") || reason.contains("corral's own state"))
            }
        }
    }

    @Test func aWritableBindOfCorralsStateIsRefused() {
        for source in ["/run/corral", "/run/corral/isolate", "/run", "/"] {
            #expect(LaunchPlanBuilder.exposesCorralState(source), "\(source)")
        }
        for source in ["/run/corralx", "/srv/data", "/run/user"] {
            #expect(!LaunchPlanBuilder.exposesCorralState(source), "\(source)")
        }
    }
}

extension Error {
    func localizedDescriptionContains(_ text: String) -> Bool { String(describing: self).contains(text) }

}
