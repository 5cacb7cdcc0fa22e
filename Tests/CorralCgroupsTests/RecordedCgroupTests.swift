import CorralCgroups
import Foundation
import Testing

/// Managers rebuilt from a record (a driver's handle.json, isolate's task.json): exactly the
/// directories the task had, and nothing for directories corral would not have made.
/// (On V1ManagerTests' fake hierarchies, laid out like this build host.)
extension V1ManagerTests {
    @Test func aTaskWithLimitsGetsTheHierarchiesItJoinedAndNoOther() throws {
        // A task with a pids limit (every isolate task has one) joined pids, not cpu or cpuset.
        var limits = CgroupLimits()
        limits.pidsMax = 2048
        let original = try CgroupManagers.make(name: "t1", parent: "corral/jobs", limits: limits, topology: topology, fs: tree)
        try original.create()
        let recorded = try #require(CgroupManagers.recorded(name: "t1", parent: "corral/jobs", directories: original.directories,
                                                             topology: topology, fs: tree))
        #expect(recorded.directories == original.directories)
        // An exec into the recovered task opens every directory's tasks file: all exist.
        let placement = try recorded.openPlacement()
        #expect(placement.procsFDs.count == original.directories.count)
        placement.close()
        // Without the parent, it is read off the directories.
        let derived = try #require(CgroupManagers.recorded(name: "t1", directories: original.directories, topology: topology, fs: tree))
        #expect(derived.directories == original.directories)
    }

    @Test func directoriesCorralWouldNotMakeAreRefused() {
        let memory = mounts["memory"]!
        for directories in [[memory + "/corral/other"], ["/etc/corral/t1"], [memory + "/../corral/t1"], [memory + "/t1"],
                            [memory + "/corral/t1", "/tmp/corral/t1"], []] {
            #expect(CgroupManagers.recorded(name: "t1", directories: directories, topology: topology, fs: tree) == nil,
                    "\(directories)")
        }
    }
}
