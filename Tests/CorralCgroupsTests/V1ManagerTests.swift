import CorralCgroups
import Foundation
import Testing

/// The v1 manager against fake per-controller hierarchies in a temporary directory, laid out like
/// this build host (cpu and cpuacct separate) unless a test says otherwise.
@Suite struct V1ManagerTests {
    let tree = FakeCgroupTree()
    var mounts: [String: String] = [:]

    init() {
        for name in ["memory", "cpu", "cpuacct", "pids", "freezer", "cpuset", "devices"] {
            mounts[name] = tree.addV1(name, controllers: [name])
        }
    }

    var topology: CgroupTopology {
        CgroupTopology(unifiedMount: nil, unifiedControllers: [], v1Mounts: mounts, enabledControllers: Set(mounts.keys))
    }

    func manager(_ limits: CgroupLimits = CgroupLimits()) throws -> any CgroupManager {
        try CgroupManagers.make(name: "t1", parent: "corral", limits: limits, topology: topology, fs: tree)
    }

    @Test func withoutLimitsOnlyMemoryCpuacctAndFreezerAreJoined() throws {
        let cgroup = try manager()
        #expect(cgroup.version == .v1)
        try cgroup.create()
        let expected = ["memory", "cpuacct", "freezer"].map { tree.root + "/\($0)/corral/t1" }
        #expect(cgroup.directories == expected)
        for dir in expected { #expect(tree.isDirectory(dir)) }
        for name in ["cpu", "pids", "cpuset"] { #expect(!tree.exists(tree.root + "/\(name)/corral")) }
    }

    @Test func eachLimitJoinsItsControllersHierarchy() throws {
        var limits = CgroupLimits()
        limits.cpuShares = 512
        limits.pidsMax = 8
        limits.cpusetCPUs = "0"
        let cgroup = try manager(limits)
        #expect(cgroup.directories == ["memory", "cpuacct", "freezer", "cpu", "pids", "cpuset"]
            .map { tree.root + "/\($0)/corral/t1" })
    }

    @Test func coMountedControllersShareOneDirectory() throws {
        // cpu comes along with cpuacct, limit or not: they are one hierarchy.
        let tree = FakeCgroupTree()
        let both = tree.addV1("cpu,cpuacct", controllers: ["cpu", "cpuacct"])
        let memory = tree.addV1("memory", controllers: ["memory"])
        let topology = CgroupTopology(unifiedMount: nil, unifiedControllers: [],
                                      v1Mounts: ["cpu": both, "cpuacct": both, "memory": memory],
                                      enabledControllers: ["cpu", "cpuacct", "memory"])
        let cgroup = try CgroupManagers.make(name: "t1", limits: CgroupLimits(), topology: topology, fs: tree)
        #expect(cgroup.directories == [memory + "/corral/t1", both + "/corral/t1"])
        var limits = CgroupLimits()
        limits.cpuQuota = CPUQuota(cpus: 1)
        let limited = try CgroupManagers.make(name: "t2", limits: limits, topology: topology, fs: tree)
        #expect(limited.directories == [memory + "/corral/t2", both + "/corral/t2"])
    }

    @Test func aCpusetCgroupInheritsItsParentsCPUsAndMemoryNodes() throws {
        var limits = CgroupLimits()
        limits.cpusetCPUs = "1"
        let cgroup = try manager(limits)
        try cgroup.create()
        #expect(tree.contents(tree.root + "/cpuset/corral/cpuset.cpus") == "0-1")
        #expect(tree.contents(tree.root + "/cpuset/corral/cpuset.mems") == "0")
        try cgroup.apply(limits)
        #expect(tree.contents(tree.root + "/cpuset/corral/t1/cpuset.cpus") == "1")
        #expect(tree.contents(tree.root + "/cpuset/corral/t1/cpuset.mems") == "0")
    }

    @Test func limitsAreWrittenInV1Units() throws {
        var limits = CgroupLimits()
        limits.memoryMaxBytes = 64 << 20
        limits.memoryReservationBytes = 32 << 20
        limits.cpuShares = 256
        limits.cpuQuota = CPUQuota(cpus: 0.2)
        limits.pidsMax = 16
        let cgroup = try manager(limits)
        try cgroup.create()
        try cgroup.apply(limits)
        let r = tree.root
        #expect(tree.contents(r + "/memory/corral/t1/memory.limit_in_bytes") == "67108864")
        #expect(tree.contents(r + "/memory/corral/t1/memory.memsw.limit_in_bytes") == "67108864")
        #expect(tree.contents(r + "/memory/corral/t1/memory.soft_limit_in_bytes") == "33554432")
        #expect(tree.contents(r + "/cpu/corral/t1/cpu.shares") == "256")
        #expect(tree.contents(r + "/cpu/corral/t1/cpu.cfs_quota_us") == "20000")
        #expect(tree.contents(r + "/pids/corral/t1/pids.max") == "16")
        // The period is written before the quota it is checked against.
        let cpuWrites = tree.writes.map(\.path).filter { $0.contains("cfs_") }.map { ($0 as NSString).lastPathComponent }
        #expect(cpuWrites == ["cpu.cfs_period_us", "cpu.cfs_quota_us"])
    }

    @Test func swapOnTopOfMemoryGoesIntoMemsw() throws {
        var limits = CgroupLimits()
        limits.memoryMaxBytes = 64 << 20
        limits.swap = .bytes(16 << 20)
        let cgroup = try manager(limits)
        try cgroup.create()
        try cgroup.apply(limits)
        #expect(tree.contents(tree.root + "/memory/corral/t1/memory.memsw.limit_in_bytes") == String(80 << 20))
        limits.swap = .unlimited
        try cgroup.apply(limits)
        #expect(tree.contents(tree.root + "/memory/corral/t1/memory.memsw.limit_in_bytes") == "-1")
    }

    @Test func askingForSwapWithoutSwapAccountingFails() throws {
        tree.hasMemsw = false
        var limits = CgroupLimits()
        limits.memoryMaxBytes = 64 << 20
        limits.swap = .bytes(1 << 20)
        let cgroup = try manager(limits)
        try cgroup.create()
        #expect(throws: CgroupError.self) { try cgroup.apply(limits) }
        limits.swap = .none
        try cgroup.apply(limits)  // no swap asked: the limit alone
        #expect(tree.contents(tree.root + "/memory/corral/t1/memory.limit_in_bytes") == "67108864")
    }

    @Test func limitsMoveUpAndDownUnderTheMemswLimit() throws {
        // The fake, like the kernel, refuses a limit above memsw and a memsw below the limit.
        var limits = CgroupLimits()
        limits.memoryMaxBytes = 64 << 20
        let cgroup = try manager(limits)
        try cgroup.create()
        try cgroup.apply(limits)
        let dir = tree.root + "/memory/corral/t1"
        limits.memoryMaxBytes = 128 << 20
        try cgroup.apply(limits)
        #expect(tree.contents(dir + "/memory.limit_in_bytes") == String(128 << 20))
        #expect(tree.contents(dir + "/memory.memsw.limit_in_bytes") == String(128 << 20))
        limits.memoryMaxBytes = 32 << 20
        try cgroup.apply(limits)
        #expect(tree.contents(dir + "/memory.limit_in_bytes") == String(32 << 20))
        #expect(tree.contents(dir + "/memory.memsw.limit_in_bytes") == String(32 << 20))
    }

    @Test func noSwapAccountingOnAHostWithSwapIsAWarningAndUnlimitedSwapIsAccepted() throws {
        tree.hasMemsw = false
        tree.procSwaps = "Filename Type Size Used Priority\n/swapfile file 1048572 0 -2\n"
        var limits = CgroupLimits()
        limits.memoryMaxBytes = 64 << 20
        let cgroup = try manager(limits)
        try cgroup.create()
        #expect(try cgroup.apply(limits).count == 1)
        limits.swap = .unlimited
        #expect(try cgroup.apply(limits).isEmpty)
    }

    @Test func cgroupsTheTaskMadeAreSweptAndRemovedDeepestFirst() throws {
        let cgroup = try manager()
        try cgroup.create()
        let memory = tree.root + "/memory/corral/t1"
        try tree.makeDirectory(memory + "/inner")
        tree.put(memory + "/inner/cgroup.procs", "55\n")
        try cgroup.destroy()
        #expect(tree.killed == [55])
        #expect(!tree.exists(memory))
    }

    @Test func aProcessThatSurvivesTheSweepIsReported() throws {
        let cgroup = try manager()
        try cgroup.create()
        tree.put(tree.root + "/memory/corral/t1/cgroup.procs", "66\n")
        tree.unkillable = [66]
        #expect(throws: CgroupError.notEmpty(path: tree.root + "/memory/corral/t1", remaining: 1)) { try cgroup.kill() }
    }

    @Test func aFailureHalfwayRemovesWhatWasCreated() throws {
        tree.fail(writesTo: tree.root + "/pids/corral/t1", errno: ENOSPC)
        var limits = CgroupLimits()
        limits.cpuShares = 512
        limits.pidsMax = 8
        let cgroup = try manager(limits)
        #expect(throws: CgroupError.system(operation: "create cgroup", path: tree.root + "/pids/corral/t1",
                                           value: nil, errno: ENOSPC)) { try cgroup.create() }
        for name in ["memory", "cpuacct", "freezer", "cpu"] { #expect(!tree.exists(tree.root + "/\(name)/corral/t1")) }
    }

    @Test func aControllerTheHostLacksIsNamed() {
        mountsWithout("pids") { topology in
            var limits = CgroupLimits()
            limits.pidsMax = 4
            do throws(CgroupError) {
                _ = try CgroupManagers.make(name: "t1", limits: limits, topology: topology, fs: tree)
                Issue.record("a pids limit was accepted without a pids hierarchy")
            } catch {
                guard case .unavailable(let controller, let reason) = error else {
                    Issue.record("unexpected \(error)")
                    return
                }
                #expect(controller == "pids" && reason.contains("no v1 hierarchy carries it"))
            }
            // Without a pids limit the task runs without the pids hierarchy.
            let cgroup = try? CgroupManagers.make(name: "t1", limits: CgroupLimits(), topology: topology, fs: tree)
            #expect(cgroup?.directories.contains { $0.contains("/pids/") } == false)
        }
    }

    func mountsWithout(_ controller: String, _ body: (CgroupTopology) -> Void) {
        var without = mounts
        without[controller] = nil
        body(CgroupTopology(unifiedMount: nil, unifiedControllers: [], v1Mounts: without,
                            enabledControllers: Set(without.keys)))
    }

    @Test func deviceRulesDenyAllThenAllowEachInTheDevicesHierarchy() throws {
        var limits = CgroupLimits()
        limits.devices = [DeviceRule(.char, 1, 3, "rwm"), DeviceRule(.block, nil, nil, "m")]
        let cgroup = try manager(limits)
        #expect(cgroup.directories.contains(tree.root + "/devices/corral/t1"))
        try cgroup.create()
        try cgroup.apply(limits)
        let writes = tree.writes.filter { $0.path.contains("/devices/") }.map { "\(($0.path as NSString).lastPathComponent) \($0.value)" }
        #expect(writes == ["devices.deny a", "devices.allow c 1:3 rwm", "devices.allow b *:* m"])
    }

    @Test func placementOpensEachHierarchysTasksFile() throws {
        let cgroup = try manager()
        try cgroup.create()
        let placement = try cgroup.openPlacement()
        defer { placement.close() }
        #expect(placement.cloneIntoFD == -1)
        #expect(placement.procsFDs.count == 3)
        let link = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(placement.procsFDs[0])")
        #expect(link.hasSuffix("/memory/corral/t1/tasks"))
    }

    @Test func statsComeFromEachControllersHierarchy() throws {
        var limits = CgroupLimits()
        limits.cpuQuota = CPUQuota(cpus: 1)
        limits.pidsMax = 100
        let cgroup = try manager(limits)
        try cgroup.create()
        let r = tree.root
        tree.put(r + "/memory/corral/t1/memory.usage_in_bytes", "1048576\n")
        tree.put(r + "/memory/corral/t1/memory.max_usage_in_bytes", "2097152\n")
        tree.put(r + "/memory/corral/t1/memory.stat", "rss 1\ncache 2\ntotal_rss 524288\ntotal_cache 262144\ntotal_mapped_file 4096\ntotal_swap 0\n")
        tree.put(r + "/cpuacct/corral/t1/cpuacct.usage", "3000000000\n")
        tree.put(r + "/cpuacct/corral/t1/cpuacct.stat", "user 200\nsystem 100\n")
        tree.put(r + "/cpu/corral/t1/cpu.stat", "nr_periods 30\nnr_throttled 24\nthrottled_time 2400000000\n")
        tree.put(r + "/pids/corral/t1/pids.current", "3\n")
        let stats = try cgroup.stats()
        let tick = UInt64(1_000_000_000 / sysconf(Int32(_SC_CLK_TCK)))
        #expect(stats.memory.usage == 1_048_576 && stats.memory.maxUsage == 2_097_152)
        #expect(stats.memory.rss == 524_288 && stats.memory.cache == 262_144 && stats.memory.mappedFile == 4096)
        #expect(stats.cpu.totalNanos == 3_000_000_000)
        #expect(stats.cpu.userNanos == 200 * tick && stats.cpu.systemNanos == 100 * tick)
        #expect(stats.cpu.periods == 30 && stats.cpu.throttledPeriods == 24 && stats.cpu.throttledNanos == 2_400_000_000)
        #expect(stats.pids.current == 3)
    }

    @Test func oomKillsAreCountedFromOomControl() throws {
        let cgroup = try manager()
        try cgroup.create()
        tree.put(tree.root + "/memory/corral/t1/memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n")
        #expect(cgroup.oomKillCount() == 2)
    }

    @Test func killFreezesKillsEveryProcessThawsAndRemoves() throws {
        let cgroup = try manager()
        try cgroup.create()
        for name in ["memory", "cpuacct", "freezer"] {
            tree.put(tree.root + "/\(name)/corral/t1/cgroup.procs", "101\n102\n")
        }
        try cgroup.destroy()
        #expect(Set(tree.killed) == [101, 102])
        let freezer = tree.writes.filter { $0.path.hasSuffix("freezer.state") }.map(\.value)
        #expect(freezer.first == "FROZEN" && freezer.last == "THAWED")
        for name in ["memory", "cpuacct", "freezer"] {
            #expect(!tree.exists(tree.root + "/\(name)/corral/t1"))
        }
        try cgroup.destroy()  // idempotent
    }
}
