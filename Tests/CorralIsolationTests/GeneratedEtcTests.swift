import Testing
@testable import CorralIsolation

/// The default chroot's `/etc`: generated files and a few read-only host entries, never the host's
/// whole `/etc`; users resolve against it; ids above 2^31-1 are refused however they are reached.
@Suite("Generated /etc of a default chroot")
struct GeneratedEtcTests {
    let builder = LaunchPlanBuilder(host: FakeHost.debian())

    func build(_ spec: IsolationSpec, host: FakeHost = .debian()) throws -> LaunchPlan {
        try LaunchPlanBuilder(host: host).build(spec, rootMountpoint: "/run/corral/isolate/x")
    }

    func spec(user: String? = nil, defaultUser: String = "root") -> IsolationSpec {
        var spec = IsolationSpec(command: ["true"], hostname: "web-1")
        spec.user = user
        spec.defaultUser = defaultUser
        return spec
    }

    /// The generated files of a plan, by path.
    func files(_ plan: LaunchPlan) -> [String: String] {
        var files: [String: String] = [:]
        for case .file(let target, let contents, _) in plan.mounts { files[target] = contents }
        return files
    }

    /// Every path under /etc the plan puts into the task (files, symlinks, binds, directories).
    func etcTargets(_ plan: LaunchPlan) -> Set<String> {
        Set(plan.mounts.map(\.target).filter { $0 == "/etc" || $0.hasPrefix("/etc/") })
    }

    @Test func theDefaultChrootGetsOnlyTheGeneratedSet() throws {
        let plan = try build(spec())
        let allowed = Set(["/etc"] + GeneratedEtc.generatedFiles + GeneratedEtc.hostEntries)
        #expect(etcTargets(plan).isSubset(of: allowed), "unexpected: \(etcTargets(plan).subtracting(allowed))")
        for secret in ["/etc/shadow", "/etc/gshadow", "/etc/sudoers", "/etc/ssh", "/etc/corral"] {
            #expect(!plan.mounts.contains { $0.target == secret || $0.target.hasPrefix(secret + "/") })
        }
        #expect(!plan.mounts.contains { if case .bind(let source, _, _, _) = $0 { source == "/etc" || source == "/" } else { false } })
        #expect(Set(files(plan).keys) == Set(GeneratedEtc.generatedFiles))
        // The pieces of the host's /etc that are shown come read-only, symlinks as symlinks.
        #expect(plan.mounts.contains(.bind(source: "/etc/ssl/certs", target: "/etc/ssl/certs", isFile: false,
                                           attributes: [.readOnly, .nosuid, .nodev])))
        #expect(plan.mounts.contains(.bind(source: "/etc/ld.so.cache", target: "/etc/ld.so.cache", isFile: true,
                                           attributes: [.readOnly, .nosuid, .nodev])))
        #expect(plan.mounts.contains(.symlink(target: "/etc/localtime", linkTarget: "/usr/share/zoneinfo/Etc/UTC")))
        // Generated before the chroot entries and /proc, so that nothing mounted later hides it.
        let etc = try #require(plan.mounts.firstIndex { $0.target == "/etc/passwd" })
        let proc = try #require(plan.mounts.firstIndex { $0.target == "/proc" })
        #expect(etc < proc)
    }

    @Test func theGeneratedFilesSayWhatTheTaskNeedsAndNoSecret() throws {
        let generated = files(try build(spec()))
        let passwd = try #require(generated["/etc/passwd"])
        #expect(passwd == "root:x:0:0:root:/root:/bin/bash\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n")
        #expect(generated["/etc/group"] == "root:x:0:\nnogroup:x:65534:\nvideo:x:44:root\n")
        #expect(generated["/etc/hostname"] == "web-1\n")
        #expect(generated["/etc/hosts"]?.contains("127.0.0.1\tlocalhost") == true)
        #expect(generated["/etc/hosts"]?.contains("web-1") == true)
        #expect(generated["/etc/resolv.conf"] == "nameserver 192.0.2.53\n")
        #expect(generated["/etc/nsswitch.conf"]?.contains("passwd:         files\n") == true)
        for (_, contents) in generated { #expect(!contents.contains("$6$")) }
    }

    @Test(arguments: ["app", "1000", "app:video", "1000:44", "app:adm"])
    func aHostUserIsAddedWithItsGroups(user: String) throws {
        let plan = try build(spec(user: user))
        let generated = files(plan)
        #expect(generated["/etc/passwd"]?.contains("app:x:1000:1000::/home/app:/bin/sh\n") == true)
        #expect(generated["/etc/group"]?.contains("app:x:1000:") == true)
        #expect(generated["/etc/group"]?.contains("adm:x:4:app") == true)
        #expect(plan.identity.uid == 1000)
        #expect(plan.identity.supplementaryGroups.sorted() == [4, 44])
    }

    @Test func otherHostUsersStayOut() throws {
        let generated = files(try build(spec(user: "nobody")))
        #expect(generated["/etc/passwd"]?.contains("app:") == false)
        #expect(generated["/etc/group"]?.contains("adm:") == false)
    }

    @Test func aUserUnknownToTheHostIsStillAnError() {
        #expect(throws: LaunchError.self) { try build(spec(user: "guest")) }
    }

    @Test(arguments: [["/etc"], ["/bin", "/etc/"], ["//etc"]])
    func listingTheHostsEtcIsTheOperatorsChoice(entries: [String]) throws {
        var s = spec()
        s.chrootEnv = entries
        let plan = try build(s)
        #expect(files(plan).isEmpty)
    }

    @Test func narrowerEntriesUnderEtcKeepTheGeneratedSet() throws {
        var s = spec()
        s.chrootEnv = RootfsLayout.defaultChrootEnv + ["/etc/ssl"]
        #expect(!files(try build(s)).isEmpty)
    }

    @Test func anImageKeepsItsOwnEtc() throws {
        var s = spec()
        s.rootfs = "/images/alpine"
        #expect(etcTargets(try build(s)).isEmpty)
    }

    @Test func driverTasksDefaultToNobody() throws {
        #expect(try build(spec(defaultUser: "nobody")).identity == UserIdentity(uid: 65534, gid: 65534, home: "/"))
        // An image without nobody: still uid 65534, never root.
        var s = spec(defaultUser: "nobody")
        s.rootfs = "/images/alpine"
        #expect(try build(s).identity == UserIdentity(uid: 65534, gid: 65534, home: "/"))
        // A user the task names wins over the default.
        #expect(try build(spec(user: "root", defaultUser: "nobody")).identity.uid == 0)
        #expect(try build(spec()).identity.uid == 0)
    }

    /// The default user is fixed by number: an image whose `/etc` makes `nobody` root, or puts it in
    /// root's, disk's or any other group, changes nothing (65534:65534, no supplementary groups).
    @Test(arguments: [
        ("nobody:x:0:0:nobody:/:/bin/sh\n", ""),
        ("nobody:x:00:00::/:/bin/sh\n", ""),
        ("nobody:x:65534:0::/:/bin/sh\n", "root:x:0:nobody\n"),
        ("nobody:x:65534:65534::/:/bin/sh\n", "root:x:0:nobody\ndisk:x:6:nobody\nshadow:x:42:nobody\n"),
        ("toor:x:0:0::/:/bin/sh\nnobody:x:0:6::/:/bin/sh\n", "nogroup:x:65534:\ndisk:x:6:nobody,toor\n"),
    ])
    func theDefaultUserIsNeverLookedUpInTheImage(passwd: String, group: String) throws {
        var host = FakeHost.debian()
        host.contents["/images/alpine/etc/passwd"] = passwd
        host.contents["/images/alpine/etc/group"] = group
        var s = spec(defaultUser: "nobody")
        s.rootfs = "/images/alpine"
        let identity = try build(s, host: host).identity
        #expect(identity == UserIdentity(uid: 65534, gid: 65534, supplementaryGroups: [], home: "/"), "\(identity)")
        // In the default chroot as well.
        #expect(try build(spec(defaultUser: "nobody"), host: host).identity.supplementaryGroups.isEmpty)
    }

    /// Every way of writing an id outside 0...2^31-1 is refused with the option and the value.
    @Test(arguments: ["4294967295", "4294967296", "2147483648", "-1", "-2147483648", "99999999999999999999", "+4294967295",
                      "0:4294967295", "0:2147483648", "0:-1", "app:-5", "1000:99999999999999999999"])
    func idsBeyondTheRangeAreRefused(user: String) throws {
        for rootfs in [nil, "/images/alpine"] {
            var s = spec(user: user)
            s.rootfs = rootfs
            do {
                let plan = try build(s)
                Issue.record("\(user) ran as \(plan.identity)")
            } catch let error as LaunchError {
                guard case .usage(let option, let value, _) = error else { Issue.record("\(error)"); continue }
                #expect(option == "--user" && value == user)
                #expect(error.exitStatus == 2)
            }
        }
    }

    @Test(arguments: ["2147483647", "0:2147483647", "2147483647:0"])
    func theHighestIdIsAllowed(user: String) throws {
        _ = try build(spec(user: user))
    }

    /// An image whose passwd or group maps a name to an id beyond the range.
    @Test(arguments: [("evil", "evil:x:4294967295:0::/:/bin/sh\n", "root:x:0:\n"),
                      ("evil", "evil:x:2147483648:0::/:/bin/sh\n", "root:x:0:\n"),
                      ("evil", "evil:x:100:4294967295::/:/bin/sh\n", "root:x:0:\n"),
                      ("evil", "evil:x:100:100::/:/bin/sh\n", "big:x:3000000000:evil\n"),
                      ("evil:big", "evil:x:100:100::/:/bin/sh\n", "big:x:4294967295:\n")])
    func idsFromAnImagesFilesAreCheckedToo(user: String, passwd: String, group: String) throws {
        var host = FakeHost.debian()
        host.contents["/images/alpine/etc/passwd"] = passwd
        host.contents["/images/alpine/etc/group"] = group
        var s = spec(user: user)
        s.rootfs = "/images/alpine"
        #expect { try build(s, host: host) } throws: { error in
            guard case .usage(let option, _, let reason) = error as? LaunchError else { return false }
            return option == "--user" && reason.contains("above the highest allowed")
        }
    }
}
