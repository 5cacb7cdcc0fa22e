import CorralCgroups
import Testing

/// /proc/cgroups and mountinfo as this build host shows them (hybrid: v1 controllers, hugetlb on v2),
/// and as a pure cgroup v2 host shows them.
@Suite struct TopologyTests {
    static let hybridCgroups = """
        #subsys_name\thierarchy\tnum_cgroups\tenabled
        cpuset\t3\t1\t1
        cpu\t1\t1\t1
        cpuacct\t2\t1\t1
        blkio\t7\t1\t1
        memory\t4\t46\t1
        devices\t5\t1\t1
        freezer\t6\t1\t1
        net_cls\t0\t1\t1
        hugetlb\t0\t1\t1
        pids\t8\t1\t1
        """
    static let hybridMounts = """
        22 27 0:21 / /proc rw,relatime - proc proc rw
        30 24 0:26 / /sys/fs/cgroup ro,nosuid,nodev,noexec - tmpfs tmpfs ro,mode=755
        31 30 0:27 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
        32 30 0:28 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
        33 30 0:29 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset
        34 30 0:30 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
        35 30 0:31 / /sys/fs/cgroup/freezer rw,relatime shared:5 - cgroup cgroup rw,freezer
        36 30 0:32 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
        37 30 0:33 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd
        38 30 0:34 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
        """

    @Test func aHybridHostIsV1ForTheControllersThatMatter() {
        let topology = CgroupTopology.parse(procCgroups: Self.hybridCgroups, mountinfo: Self.hybridMounts) { path in
            path == "/sys/fs/cgroup/unified/cgroup.controllers" ? "hugetlb\n" : nil
        }
        #expect(topology.version == .v1)
        #expect(topology.v1Mounts["memory"] == "/sys/fs/cgroup/memory")
        #expect(topology.v1Mounts["cpu"] == "/sys/fs/cgroup/cpu")
        #expect(topology.v1Mounts["pids"] == "/sys/fs/cgroup/pids")
        #expect(topology.v1Mounts["name=systemd"] == nil)
        #expect(topology.unifiedControllers == ["hugetlb"])
    }

    @Test func coMountedControllersShareAHierarchy() {
        let mounts = "31 30 0:27 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n"
        let topology = CgroupTopology.parse(procCgroups: "cpu 1 1 1\ncpuacct 1 1 1\n", mountinfo: mounts) { _ in nil }
        #expect(topology.v1Mounts["cpu"] == "/sys/fs/cgroup/cpu,cpuacct")
        #expect(topology.v1Mounts["cpuacct"] == "/sys/fs/cgroup/cpu,cpuacct")
    }

    @Test func aPureV2HostIsV2() {
        let cgroups = "#subsys_name hierarchy num_cgroups enabled\ncpu 0 1 1\nmemory 0 1 1\npids 0 1 1\nio 0 1 1\n"
        let mounts = "25 21 0:22 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot\n"
        let topology = CgroupTopology.parse(procCgroups: cgroups, mountinfo: mounts) { path in
            path == "/sys/fs/cgroup/cgroup.controllers" ? "cpuset cpu io memory hugetlb pids rdma misc\n" : nil
        }
        #expect(topology.version == .v2)
        #expect(topology.unifiedMount == "/sys/fs/cgroup")
        #expect(topology.unifiedControllers.isSuperset(of: ["cpu", "memory", "pids", "io"]))
    }

    @Test func aDisabledControllerIsNotUsed() {
        let topology = CgroupTopology.parse(procCgroups: "memory 4 1 0\n",
                                            mountinfo: "34 30 0:30 / /m rw - cgroup cgroup rw,memory\n") { _ in nil }
        #expect(topology.v1Mounts["memory"] == nil)
        #expect(topology.version == nil)
    }

    @Test func noCgroupsMountedMeansNoVersion() {
        let topology = CgroupTopology.parse(procCgroups: "", mountinfo: "22 27 0:21 / /proc rw - proc proc rw\n") { _ in nil }
        #expect(topology.version == nil)
    }

    @Test func escapedMountPointsAreDecoded() {
        let mounts = "34 30 0:30 / /sys/fs/cgroup/my\\040memory rw - cgroup cgroup rw,memory\n"
        let topology = CgroupTopology.parse(procCgroups: "memory 4 1 1\n", mountinfo: mounts) { _ in nil }
        #expect(topology.v1Mounts["memory"] == "/sys/fs/cgroup/my memory")
    }
}
