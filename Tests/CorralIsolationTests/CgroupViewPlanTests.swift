import CorralCgroups
import Testing
@testable import CorralIsolation

/// What the plan mounts at /sys/fs/cgroup for the task's own cgroup (TaskCgroupView): which hierarchies,
/// with which controllers, where they sit among corral's mounts, and that the v1 tmpfs ends read-only.
/// Pure: no privileges (the mounts themselves are checked in CgroupLimitTests, as root).
@Suite("The task's cgroup view in the plan")
struct CgroupViewPlanTests {
    /// This build host's layout: separate cpu and cpuacct, blkio and net_cls,net_prio co-mounted.
    static let v1Topology = CgroupTopology(
        unifiedMount: "/sys/fs/cgroup/unified", unifiedControllers: [],
        v1Mounts: ["cpu": "/sys/fs/cgroup/cpu,cpuacct", "cpuacct": "/sys/fs/cgroup/cpu,cpuacct",
                   "memory": "/sys/fs/cgroup/memory", "pids": "/sys/fs/cgroup/pids", "blkio": "/sys/fs/cgroup/blkio",
                   "net_cls": "/sys/fs/cgroup/net_cls,net_prio", "net_prio": "/sys/fs/cgroup/net_cls,net_prio"],
        enabledControllers: ["cpu", "cpuacct", "memory", "pids", "blkio", "net_cls", "net_prio"])

    @Test func v1ShowsExactlyTheHierarchiesTheTaskHasACgroupIn() {
        let view = TaskCgroupView.of(directories: ["/sys/fs/cgroup/memory/corral/t1", "/sys/fs/cgroup/cpu,cpuacct/corral/t1",
                                                   "/sys/fs/cgroup/pids/corral/t1"], topology: Self.v1Topology)
        #expect(view == .hierarchies([.init(name: "cpu,cpuacct", controllers: ["cpu", "cpuacct"]),
                                      .init(name: "memory", controllers: ["memory"]),
                                      .init(name: "pids", controllers: ["pids"])]))
    }

    @Test func v2ShowsTheUnifiedHierarchyAndNoCgroupShowsNothing() {
        let v2 = CgroupTopology(unifiedMount: "/sys/fs/cgroup", unifiedControllers: ["memory", "cpu", "pids"], v1Mounts: [:],
                                enabledControllers: ["memory", "cpu", "pids"])
        #expect(TaskCgroupView.of(directories: ["/sys/fs/cgroup/corral/t1"], topology: v2) == .unified)
        #expect(TaskCgroupView.of(directories: [], topology: v2) == nil)
        #expect(TaskCgroupView.of(directories: ["/elsewhere/t1"], topology: Self.v1Topology) == nil)
    }

    @Test func v1StepsMountEachHierarchyReadOnlyLinkItsControllersAndCloseTheTmpfs() {
        let steps = RootfsLayout.cgroupSteps(.hierarchies([.init(name: "cpu,cpuacct", controllers: ["cpu", "cpuacct"]),
                                                          .init(name: "memory", controllers: ["memory"])]))
        let readOnly: MountFlags = [.nosuid, .nodev, .noexec, .readOnly]
        #expect(steps == [
            .filesystem(type: "tmpfs", target: "/sys/fs/cgroup", flags: [.nosuid, .nodev, .noexec], data: "mode=755,size=64k"),
            .filesystem(type: "cgroup", target: "/sys/fs/cgroup/cpu,cpuacct", flags: readOnly, data: "cpu,cpuacct"),
            .filesystem(type: "cgroup", target: "/sys/fs/cgroup/memory", flags: readOnly, data: "memory"),
            .symlink(target: "/sys/fs/cgroup/cpu", linkTarget: "cpu,cpuacct"),
            .symlink(target: "/sys/fs/cgroup/cpuacct", linkTarget: "cpu,cpuacct"),
            .readOnly(target: "/sys/fs/cgroup"),
        ])
        #expect(RootfsLayout.cgroupSteps(.unified) == [.filesystem(type: "cgroup2", target: "/sys/fs/cgroup", flags: readOnly, data: "")])
    }

    /// The steps go before the user's (which may not cover them) and after /sys; the tmpfs's read-only
    /// step is tied to the tmpfs itself, resolved as its own root.
    @Test func theStepsJoinThePlanBeforeTheUsersMountsAndTheReadOnlyStepProtectsTheTmpfs() throws {
        var spec = IsolationSpec(command: ["sh"], hostname: "t")
        spec.binds = [BindMount(source: "/srv/data", destination: "/data")]
        var plan = try LaunchPlanBuilder(host: FakeHost.debian()).build(spec, rootMountpoint: "/run/corral/isolate/x/rootfs")
        let userSteps = Array(plan.mounts[(plan.firstUserMount ?? plan.mounts.count)...])
        let added = RootfsLayout.cgroupSteps(.hierarchies([.init(name: "memory", controllers: ["memory"])]))
        plan.addSystemMounts(added)
        let first = try #require(plan.firstUserMount)
        #expect(Array(plan.mounts[first...]) == userSteps)
        #expect(Array(plan.mounts[(first - added.count)..<first]) == added)
        let sys = try #require(plan.mounts.firstIndex { $0.target == "/sys" })
        #expect(sys < first - added.count)

        let entries = FlatPlan.protectedMounts(plan.mounts)
        let readOnly = first - 1
        let tmpfs = first - added.count
        #expect(entries[readOnly].relativeTo == UInt32(tmpfs + 1))
        #expect(entries[tmpfs].keep)
        #expect(FlatPlan.relativeTarget(plan.mounts[readOnly], within: plan.mounts, relativeTo: entries[readOnly].relativeTo) == ".")
    }

    /// A raw_exec plan (the host's own root) gets nothing.
    @Test func aHostPlanGetsNoMounts() throws {
        var plan = try LaunchPlanBuilder(host: FakeHost.debian()).build(IsolationSpec(command: ["sh"], hostname: "t"),
                                                                         rootMountpoint: "/r")
        plan.mode = .host
        let before = plan.mounts
        plan.addSystemMounts(RootfsLayout.cgroupSteps(.unified))
        #expect(plan.mounts == before)
    }
}
