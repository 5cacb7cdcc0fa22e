@testable import CorralRunner
import Foundation
import Testing

/// Whole cores for `resources { cores }`: the lowest free ones, one task each, kept while it runs.
@Suite struct CoreAssignmentTests {
    func job(_ id: String, count: Int = 1, cores: [Int?]) -> Job {
        let tasks = cores.enumerated().map { index, count in
            TaskSpec(name: "t\(index)", driver: "mock", resources: TaskResourceSpec(cores: count))
        }
        return Job(id: id, groups: [TaskGroup(name: "g", count: count, tasks: tasks)])
    }

    @Test(arguments: [([], ""), ([3], "3"), ([0, 1, 2], "0-2"), ([5, 0, 1, 3, 2], "0-3,5"), ([1, 1, 4, 6, 7], "1,4,6-7")])
    func theKernelsListForm(cores: [Int], list: String) {
        #expect(CoreAssignment.cpusetList(cores) == list)
    }

    @Test func eachTaskGetsTheLowestFreeCoresAndNoCoreTwice() throws {
        var cores = CoreAssignment(nodeCores: 4)
        cores.reserve([1])
        let wanted = job("web", cores: [2, nil, 1])
        #expect(cores.problem(for: wanted) == nil)
        let result = cores.assign(wanted.groups[0])
        let assigned = try #require(result)
        #expect(assigned == ["t0": [0, 2], "t2": [3]])
        #expect(cores.reserved == [0, 1, 2, 3])
        let more = cores.assign(job("more", cores: [1]).groups[0])
        #expect(more == nil)
    }

    @Test func aJobAskingForMoreThanIsFreeIsRefusedWithTheNumbers() {
        var cores = CoreAssignment(nodeCores: 2)
        cores.reserve([0])
        #expect(cores.problem(for: job("web", count: 2, cores: [1])) ==
                "job \"web\" does not fit this node: needs 2 whole cores (resources.cores), node has 1 free of 2 "
                + "(cores 0 reserved by running allocations)")
        #expect(CoreAssignment(nodeCores: nil).problem(for: job("web", cores: [1]))?.contains("did not say how many cores") == true)
        #expect(CoreAssignment(nodeCores: nil).problem(for: job("web", cores: [nil])) == nil, "no cores asked: no problem")
    }

    @Test func onlyTasksThatStillRunHoldTheirCores() {
        var allocation = Allocation(id: "a", job: job("web", cores: [1, 1]), groupName: "g", taskCores: ["t0": [0], "t1": [1]])
        var dead = TaskState()
        dead.state = .dead
        #expect(CoreAssignment.held(by: allocation, states: ["t0": dead, "t1": TaskState()]) == [1])
        allocation.desiredStatus = .stop
        #expect(CoreAssignment.held(by: allocation, states: [:]).isEmpty)
    }

    @Test func theCoresTravelWithTheStoredAllocation() throws {
        let allocation = Allocation(id: "a", job: job("web", cores: [2]), groupName: "g", taskCores: ["t0": [2, 3]])
        let data = try JSONEncoder().encode(allocation)
        #expect(try JSONDecoder().decode(Allocation.self, from: data).taskCores == ["t0": [2, 3]])
    }

    @Test func theNodesOnlineCPUsAreTheCoresItPinsTo() {
        #expect(CoreAssignment.parseList("0-2,4-5,7") == [0, 1, 2, 4, 5, 7])
        #expect(CoreAssignment.parseList("3") == [3])
        #expect(CoreAssignment.parseList("") == nil && CoreAssignment.parseList("2-1") == nil && CoreAssignment.parseList("a") == nil)
        #expect(CoreAssignment.parseList("0-99999") == nil)
        var node = NodeInfo(attributes: ["cpu.numcores": "3", "cpu.reservablecorelist": "0-1,3"])
        var cores = CoreAssignment(node: node)
        #expect(cores.nodeCores == [0, 1, 3], "an offline CPU 2 is never assigned")
        #expect(cores.assign(TaskGroup(name: "g", tasks: [TaskSpec(name: "t", driver: "mock", resources: TaskResourceSpec(cores: 3))]))
                == ["t": [0, 1, 3]])
        node.attributes["cpu.reservablecorelist"] = nil
        #expect(CoreAssignment(node: node).nodeCores == [0, 1, 2])
    }
}
