import CCorralLaunch
import Testing
@testable import CorralIsolation

/// How the plan ties each mask and read-only path to the fresh mount it protects, and what it
/// refuses or defaults (issue 15, items 1 and 9). Pure: no privileges.
@Suite("Mount protections in the plan")
struct MountProtectionPlanTests {
    let builder = LaunchPlanBuilder(host: FakeHost.debian())

    func build(_ configure: (inout IsolationSpec) -> Void = { _ in }) throws -> LaunchPlan {
        var spec = IsolationSpec(command: ["sh"], hostname: "t")
        configure(&spec)
        return try builder.build(spec, rootMountpoint: "/run/corral/isolate/x/rootfs")
    }

    @Test func everyMaskAndReadOnlyPathIsRelativeToItsOwnFreshMount() throws {
        let steps = try build().mounts
        let entries = FlatPlan.protectedMounts(steps)
        for (index, step) in steps.enumerated() {
            switch step {
            case .mask(let target), .readOnly(let target):
                let base = Int(entries[index].relativeTo) - 1
                try #require(base >= 0 && base < index, "\(target) is not tied to a mount")
                guard case .filesystem(let type, let mountPoint, _, _) = steps[base] else {
                    Issue.record("\(target) is tied to a step that is not a fresh mount"); continue
                }
                #expect(target.hasPrefix(mountPoint + "/"))
                #expect(type == (mountPoint == "/proc" ? "proc" : "sysfs"))
                #expect(entries[base].keep)
                let relative = FlatPlan.relativeTarget(step, within: steps, relativeTo: entries[index].relativeTo)
                #expect(mountPoint + "/" + relative == target)
            default:
                #expect(entries[index].relativeTo == 0)
            }
        }
        #expect(steps.contains(.readOnly(target: "/proc/sys")))
    }

    @Test(arguments: ["/proc", "/proc/sys", "/proc/sys/kernel", "/sys", "/sys/fs/cgroup", "/dev"])
    func aUserMountOverOrBeneathASystemMountIsRefused(destination: String) {
        #expect(throws: LaunchError.self) {
            try build { $0.binds = [BindMount(source: "/srv/data", destination: destination)] }
        }
        #expect(throws: LaunchError.self) {
            try build { $0.tmpfs = [TmpfsMount(destination: destination)] }
        }
    }

    @Test func aUserMountBeneathDevOrElsewhereIsAllowed() throws {
        _ = try build { $0.binds = [BindMount(source: "/srv/data", destination: "/dev/data"), BindMount(source: "/srv/data", destination: "/procfs")] }
    }

    @Test func tmpIs64MiBUnlessTheUserMountsTheirOwn() throws {
        let tmp = try build().mounts.filter { $0.target == "/tmp" }
        #expect(tmp == [.filesystem(type: "tmpfs", target: "/tmp", flags: [.nosuid, .nodev], data: "mode=1777,size=64m")])
        let own = try build { $0.tmpfs = [TmpfsMount(destination: "/tmp", sizeBytes: 1 << 30)] }.mounts.filter { $0.target == "/tmp" }
        #expect(own == [.filesystem(type: "tmpfs", target: "/tmp", flags: [.nosuid, .nodev], data: "mode=1777,size=1073741824")])
    }

    @Test func withoutDeviceConfinementDevIsNodevDevicesAreBindsAndMknodIsDropped() throws {
        let plan = try build { $0.deviceConfinement = false; $0.capabilities = CapabilityRequest(add: ["mknod"], drop: []) }
        let mknod = try #require(CapabilityNames.number("mknod"))
        #expect(!plan.capabilities.permitted.contains(mknod) && !plan.capabilities.bounding.contains(mknod))
        #expect(plan.warnings.contains { $0.contains("mknod") })
        #expect(plan.mounts.contains { if case .filesystem("tmpfs", "/dev", let flags, _) = $0 { flags.contains(.nodev) } else { false } })
        #expect(!plan.mounts.contains { if case .deviceNode = $0 { true } else { false } })
        #expect(plan.mounts.contains(.bind(source: "/dev/null", target: "/dev/null", isFile: true, attributes: [.nosuid, .noexec])))
        let confined = try build()
        #expect(confined.capabilities.permitted.contains(mknod))
        #expect(confined.mounts.contains { if case .deviceNode = $0 { true } else { false } })
    }

    @Test func theHelperExecsTheCandidatesOrRunsAsInit() throws {
        var plan = try build()
        plan.executableCandidates = ["/usr/bin/sh", "/bin/sh"]
        #expect(FlatPlan.helperArguments(plan, reportFD: 9) == ["corral-exec", "9", "2", "/usr/bin/sh", "/bin/sh", "--", "sh"])
        plan.runUnderInit = true
        #expect(FlatPlan.helperArguments(plan, reportFD: 9) == ["corral-init", "--init", "--", "sh"])
    }
}
