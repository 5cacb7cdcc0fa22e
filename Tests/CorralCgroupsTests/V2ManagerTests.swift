@testable import CorralCgroups
import Foundation
import Testing

/// The v2 manager against a fake unified hierarchy in a temporary directory.
@Suite struct V2ManagerTests {
    let tree = FakeCgroupTree()
    let mount: String
    let topology: CgroupTopology

    init() {
        mount = tree.addUnified()
        topology = CgroupTopology(unifiedMount: mount, unifiedControllers: ["cpuset", "cpu", "io", "memory", "pids"],
                                  v1Mounts: [:], enabledControllers: ["cpuset", "cpu", "io", "memory", "pids"])
    }

    func manager(_ limits: CgroupLimits = CgroupLimits(), parent: String = "corral") throws -> any CgroupManager {
        try CgroupManagers.make(name: "t1", parent: parent, limits: limits, topology: topology, fs: tree)
    }

    @Test func createEnablesControllersOnTheWayDown() throws {
        let cgroup = try manager(parent: "jobs/web")
        #expect(cgroup.version == .v2)
        try cgroup.create()
        #expect(cgroup.directories == [mount + "/jobs/web/t1"])
        #expect(tree.contents(mount + "/cgroup.subtree_control") == "cpu memory pids\n")
        #expect(tree.contents(mount + "/jobs/cgroup.subtree_control") == "cpu memory pids\n")
        #expect(tree.contents(mount + "/jobs/web/cgroup.subtree_control") == "cpu memory pids\n")
        // The task's cgroup got the controllers' files because its parents enabled them first.
        #expect(tree.exists(mount + "/jobs/web/t1/memory.max"))
        #expect(tree.exists(mount + "/jobs/web/t1/pids.max"))
    }

    @Test func controllersAlreadyEnabledAreNotWrittenAgain() throws {
        tree.put(mount + "/cgroup.subtree_control", "cpu memory pids\n")
        try manager().create()
        #expect(!tree.writes.contains { $0.path == mount + "/cgroup.subtree_control" })
    }

    @Test func limitsAreWrittenInV2Units() throws {
        var limits = CgroupLimits()
        limits.memoryMaxBytes = 64 << 20
        limits.memoryReservationBytes = 32 << 20
        limits.cpuShares = 4096
        limits.cpuQuota = CPUQuota(percentTicks: 0.1, cpuCount: 2)
        limits.pidsMax = 16
        limits.cpusetCPUs = "1"
        let cgroup = try manager(limits)
        try cgroup.create()
        try cgroup.apply(limits)
        let dir = mount + "/corral/t1"
        #expect(tree.contents(dir + "/memory.max") == "67108864")
        #expect(tree.contents(dir + "/memory.low") == "33554432")
        #expect(tree.contents(dir + "/memory.swap.max") == "0")
        #expect(tree.contents(dir + "/cpu.weight") == "303")
        #expect(tree.contents(dir + "/cpu.max") == "20000 100000")
        #expect(tree.contents(dir + "/pids.max") == "16")
        #expect(tree.contents(dir + "/cpuset.cpus") == "1")
        #expect(tree.contents(mount + "/corral/cgroup.subtree_control") == "cpu cpuset memory pids\n")
    }

    @Test func swapIsAllowedOnlyWhenAsked() throws {
        var limits = CgroupLimits()
        limits.memoryMaxBytes = 64 << 20
        limits.swap = .bytes(16 << 20)
        let cgroup = try manager(limits)
        try cgroup.create()
        try cgroup.apply(limits)
        #expect(tree.contents(mount + "/corral/t1/memory.swap.max") == "16777216")
        limits.swap = .unlimited
        try cgroup.apply(limits)
        #expect(tree.contents(mount + "/corral/t1/memory.swap.max") == "max")
    }

    @Test func aControllerTheHostLacksFailsBeforeAnythingIsCreated() throws {
        let noPids = CgroupTopology(unifiedMount: mount, unifiedControllers: ["cpu", "memory"], v1Mounts: [:],
                                    enabledControllers: ["cpu", "memory"])
        var limits = CgroupLimits()
        limits.pidsMax = 16
        #expect(throws: CgroupError.unavailable(controller: "pids",
                                                reason: "\(mount)/cgroup.controllers offers only: cpu memory")) {
            try CgroupManagers.make(name: "t1", limits: limits, topology: noPids, fs: tree)
        }
        #expect(!tree.exists(mount + "/corral"))
    }

    @Test func aRefusedValueNamesTheFileTheValueAndTheErrno() throws {
        var limits = CgroupLimits()
        limits.cpusetCPUs = "7"
        let cgroup = try manager(limits)
        try cgroup.create()
        tree.fail(writesTo: mount + "/corral/t1/cpuset.cpus", errno: EINVAL)
        do {
            try cgroup.apply(limits)
            Issue.record("the refused write did not fail")
        } catch {
            #expect(error.description == "set: write \"7\" to \(mount)/corral/t1/cpuset.cpus: Invalid argument (errno 22)")
        }
    }

    @Test func anExistingTaskCgroupIsNeverAdopted() throws {
        let cgroup = try manager()
        try cgroup.create()
        #expect(throws: CgroupError.exists(path: mount + "/corral/t1")) { try manager().create() }
    }

    @Test func placementOpensTheDirectoryForCloneIntoCgroupAndCgroupProcs() throws {
        let cgroup = try manager()
        try cgroup.create()
        let placement = try cgroup.openPlacement()
        defer { placement.close() }
        #expect(placement.cloneIntoFD >= 0)
        #expect(placement.procsFDs.count == 1)
        #expect(placement.directories == [mount + "/corral/t1"])
        #expect(fcntl(placement.cloneIntoFD, F_GETFD) & FD_CLOEXEC != 0)
    }

    @Test func statsAreReadInCommonUnits() throws {
        let cgroup = try manager()
        try cgroup.create()
        let dir = mount + "/corral/t1"
        tree.put(dir + "/memory.current", "1048576\n")
        tree.put(dir + "/memory.peak", "2097152\n")
        tree.put(dir + "/memory.swap.current", "4096\n")
        tree.put(dir + "/memory.stat", "anon 524288\nfile 262144\nfile_mapped 8192\nkernel 65536\n")
        tree.put(dir + "/cpu.stat", "usage_usec 1500\nuser_usec 1000\nsystem_usec 500\nnr_periods 10\nnr_throttled 3\nthrottled_usec 250\n")
        tree.put(dir + "/pids.current", "5\n")
        let stats = try cgroup.stats()
        #expect(stats.memory.usage == 1_048_576 && stats.memory.maxUsage == 2_097_152 && stats.memory.swap == 4096)
        #expect(stats.memory.rss == 524_288 && stats.memory.cache == 262_144 && stats.memory.mappedFile == 8192)
        #expect(stats.memory.kernelUsage == 65_536)
        #expect(stats.cpu.totalNanos == 1_500_000 && stats.cpu.userNanos == 1_000_000 && stats.cpu.systemNanos == 500_000)
        #expect(stats.cpu.periods == 10 && stats.cpu.throttledPeriods == 3 && stats.cpu.throttledNanos == 250_000)
        #expect(stats.pids.current == 5)
    }

    @Test func kernelMemoryBefore518IsTheSumOfItsParts() throws {
        let cgroup = try manager()
        try cgroup.create()
        tree.put(mount + "/corral/t1/memory.stat", "anon 1\nkernel_stack 100\nslab 200\nsock 3\npercpu 4\npagetables 5\n")
        #expect(try cgroup.stats().memory.kernelUsage == 312)
    }

    @Test func oomKillsAreCountedFromMemoryEvents() throws {
        let cgroup = try manager()
        try cgroup.create()
        #expect(cgroup.oomKillCount() == 0)
        tree.put(mount + "/corral/t1/memory.events", "low 0\nhigh 0\nmax 12\noom 2\noom_kill 1\n")
        #expect(cgroup.oomKillCount() == 1)
    }

    @Test func killUsesCgroupKillAndRemoveDeletesTheTaskDirectoryOnly() throws {
        let cgroup = try manager()
        try cgroup.create()
        let dir = mount + "/corral/t1"
        tree.put(dir + "/cgroup.procs", "4242\n4243\n")
        tree.put(dir + "/cgroup.events", "populated 1\nfrozen 0\n")
        try cgroup.destroy()
        #expect(tree.writes.contains { $0.path == dir + "/cgroup.kill" && $0.value == "1" })
        #expect(!tree.exists(dir))
        #expect(tree.exists(mount + "/corral"))
        // Idempotent: the supervisor usually removed it first.
        try cgroup.destroy()
    }

    @Test func withoutCgroupKillTheProcessesAreSweptUnderTheFreezer() throws {
        let cgroup = try manager()
        try cgroup.create()
        let dir = mount + "/corral/t1"
        try FileManager.default.removeItem(atPath: dir + "/cgroup.kill")  // a kernel before 5.14
        tree.put(dir + "/cgroup.procs", "4242\n")
        tree.put(dir + "/cgroup.events", "populated 1\nfrozen 0\n")
        try cgroup.kill()
        #expect(tree.killed == [4242])
        let freezes = tree.writes.filter { $0.path.hasSuffix("cgroup.freeze") }.map(\.value)
        #expect(freezes == ["1", "0"])
    }

    @Test func aProcessThatCannotBeKilledIsReportedNotIgnored() throws {
        let cgroup = try manager()
        try cgroup.create()
        let dir = mount + "/corral/t1"
        try FileManager.default.removeItem(atPath: dir + "/cgroup.kill")
        tree.put(dir + "/cgroup.procs", "4242\n")
        tree.put(dir + "/cgroup.events", "populated 1\nfrozen 0\n")
        tree.unkillable = [4242]
        #expect(throws: CgroupError.notEmpty(path: dir, remaining: 1)) { try cgroup.kill() }
    }

    @Test func cgroupsTheTaskMadeInsideItsOwnAreRemovedDeepestFirst() throws {
        let cgroup = try manager()
        try cgroup.create()
        let dir = mount + "/corral/t1"
        try tree.makeDirectory(dir + "/inner")
        try tree.makeDirectory(dir + "/inner/deeper")
        tree.put(dir + "/inner/deeper/cgroup.procs", "77\n")
        tree.put(dir + "/cgroup.events", "populated 1\nfrozen 0\n")
        try cgroup.destroy()
        #expect(tree.writes.contains { $0.path == dir + "/cgroup.kill" })
        #expect(!tree.exists(dir))
    }

    @Test func freezeWaitsForTheKernelToReportFrozen() throws {
        let cgroup = try manager()
        try cgroup.create()
        try cgroup.freeze()
        #expect(tree.contents(mount + "/corral/t1/cgroup.freeze") == "1")
        try cgroup.thaw()
        #expect(tree.contents(mount + "/corral/t1/cgroup.freeze") == "0")
        // A freeze the kernel never completes is an error, not a silent success.
        tree.freezeNeverCompletes = true
        #expect(throws: CgroupError.system(operation: "freeze", path: mount + "/corral/t1/cgroup.events", value: nil,
                                           errno: ETIMEDOUT)) { try cgroup.freeze() }
    }

    @Test func deviceRulesBecomeAProgramAttachedToTheTasksCgroup() throws {
        var limits = CgroupLimits()
        limits.devices = DeviceRule.standard
        let cgroup = try manager(limits)
        try cgroup.create()
        try cgroup.apply(limits)
        #expect(tree.attached.count == 1)
        #expect(tree.attached.first?.directory == mount + "/corral/t1")
        #expect(tree.attached.first?.program == DeviceProgram.program(DeviceRule.standard))
    }

    @Test func aReservationOpensProtectionDownFromTheRoot() throws {
        var limits = CgroupLimits()
        limits.memoryReservationBytes = 32 << 20
        let cgroup = try CgroupManagers.make(name: "t1", parent: "jobs/web", limits: limits, topology: topology, fs: tree)
        try cgroup.create()
        try cgroup.apply(limits)
        #expect(tree.contents(mount + "/jobs/memory.low") == "max")
        #expect(tree.contents(mount + "/jobs/web/memory.low") == "max")
        #expect(tree.contents(mount + "/jobs/web/t1/memory.low") == "33554432")
    }

    @Test func swapAskedForWithoutSwapAccountingIsRefused() throws {
        var limits = CgroupLimits()
        limits.memoryMaxBytes = 64 << 20
        limits.swap = .bytes(1 << 20)
        let cgroup = try manager(limits)
        try cgroup.create()
        try FileManager.default.removeItem(atPath: mount + "/corral/t1/memory.swap.max")
        #expect(throws: CgroupError.self) { try cgroup.apply(limits) }
    }

    @Test func noSwapAccountingOnAHostWithSwapIsAWarning() throws {
        var limits = CgroupLimits()
        limits.memoryMaxBytes = 64 << 20
        let cgroup = try manager(limits)
        try cgroup.create()
        try FileManager.default.removeItem(atPath: mount + "/corral/t1/memory.swap.max")
        tree.procSwaps = "Filename Type Size Used Priority\n"
        #expect(try cgroup.apply(limits).isEmpty)
        tree.procSwaps = "Filename Type Size Used Priority\n/swapfile file 1048572 0 -2\n"
        #expect(try cgroup.apply(limits).first?.contains("may use swap beyond its memory limit") == true)
    }

    @Test func aFailedApplyLeavesNoCgroupBehind() throws {
        var limits = CgroupLimits()
        limits.pidsMax = 10
        tree.fail(writesTo: mount + "/corral/t1/pids.max", errno: EINVAL)
        #expect(throws: CgroupError.self) {
            try TaskCgroup.create(name: "t1", limits: limits, topology: topology, fs: tree)
        }
        #expect(!tree.exists(mount + "/corral/t1"))
        #expect(tree.exists(mount + "/corral"))
    }

    @Test(arguments: ["..", "a/../b", ".", ""])
    func parentsOutsideTheHierarchyAreRefused(parent: String) {
        #expect(throws: CgroupError.self) { try manager(parent: parent) }
    }
}
