import CorralAgent
import CorralAPI
import CorralDriver
import CorralRunner
import CorralRunnerTestSupport
import Foundation
import Testing

/// The agent's core over the mock driver: submission, replacement, placement, stopping, blocking
/// queries, id prefixes, garbage collection, and restore after a restart.
@Suite struct AgentCoreTests {
    @Test func invalidJobReportsEveryProblemWithItsPosition() async throws {
        let fixture = AgentFixture()
        defer { fixture.remove() }
        let source = "job \"x\" {\n  group \"g\" {\n    task \"t\" {\n      driver = \"mock\"\n      memry = 3\n      config { run_fo = \"1s\" }\n    }\n  }\n}\n"
        await #expect {
            _ = try await fixture.agent.submit(source: source, filename: "bad.hcl")
        } throws: { error in
            guard case .invalidJob(let jobError) = error as? AgentError else { return false }
            let where_ = jobError.diagnostics.map { "\($0.file):\($0.position.line):\($0.position.column)" }
            return where_ == ["bad.hcl:5:7", "bad.hcl:6:16"] && (error as! AgentError).status == 400
                && (error as! AgentError).body.diagnostics?.count == 2
        }
        #expect(await fixture.agent.allocations().isEmpty)
        #expect(try await fixture.store.allocations().isEmpty)
    }

    @Test func submittedJobIsPersistedBeforeTheAnswerAndRuns() async throws {
        let fixture = AgentFixture()
        defer { fixture.remove() }
        let answer = try await fixture.agent.submit(source: mockJob("web", count: 2), filename: "web.hcl")
        #expect(answer.jobID == "web")
        #expect(answer.allocations.count == 2)
        #expect(Set(try await fixture.store.allocations().map(\.id)) == Set(answer.allocations))
        for id in answer.allocations {
            let detail = try await fixture.waitFor(id) { $0.stub.clientStatus == .running }
            #expect(detail.taskStates["main"]?.events.map(\.type) == [.received, .setup, .started])
            #expect(detail.resources["main"]?.memoryMiB == 16)
        }
        let jobs = await fixture.agent.jobs()
        #expect(jobs.map(\.id) == ["web"])
        #expect(jobs.first?.status == "running")
        #expect(jobs.first?.summary == AllocCounts(running: 2))
        _ = try await fixture.agent.stopJob("web", purge: true)
    }

    @Test func resubmittingAJobReplacesItsAllocations() async throws {
        let fixture = AgentFixture()
        defer { fixture.remove() }
        let first = try await fixture.agent.submit(source: mockJob("api"), filename: "api.hcl")
        _ = try await fixture.waitFor(first.allocations[0]) { $0.stub.clientStatus == .running }
        let second = try await fixture.agent.submit(source: mockJob("api", count: 2), filename: "api.hcl")
        #expect(second.replaced == first.allocations)
        #expect(try await fixture.store.allocations().map(\.id).sorted() == second.allocations.sorted())
        await #expect(throws: AgentError.notFound(what: "allocation", id: first.allocations[0])) {
            _ = try await fixture.agent.allocation(first.allocations[0])
        }
        _ = try await fixture.agent.stopJob("api", purge: true)
    }

    /// As Nomad scales a job to nothing: what ran is stopped, nothing starts, and the answer says so.
    @Test func resubmittingAJobWithCountZeroStopsItAndWarns() async throws {
        let fixture = AgentFixture()
        defer { fixture.remove() }
        let first = try await fixture.agent.submit(source: mockJob("api"), filename: "api.hcl")
        _ = try await fixture.waitFor(first.allocations[0]) { $0.stub.clientStatus == .running }
        let zero = try await fixture.agent.submit(source: mockJob("api", count: 0), filename: "api.hcl")
        #expect(zero.allocations.isEmpty)
        #expect(zero.replaced == first.allocations)
        #expect(zero.warnings == ["every group of job api has count = 0: nothing runs (its 1 allocation(s) were stopped)"])
        #expect(try await fixture.store.allocations().isEmpty)
        let fresh = try await fixture.agent.submit(source: mockJob("idle", count: 0), filename: "idle.hcl")
        #expect(fresh.allocations.isEmpty && fresh.warnings == ["every group of job idle has count = 0: nothing runs"])
    }

    @Test func aJobThatDoesNotFitIsRefusedAndNothingIsCreated() async throws {
        let fixture = AgentFixture()
        defer { fixture.remove() }
        _ = try await fixture.agent.submit(source: mockJob("big", memory: 3000), filename: "big.hcl")
        await #expect {
            _ = try await fixture.agent.submit(source: mockJob("bigger", memory: 2000), filename: "b.hcl")
        } throws: { error in
            guard case .conflict(let message) = error as? AgentError else { return false }
            return message.contains("needs 2000 MiB memory") && message.contains("1096 MiB free")
        }
        #expect(await fixture.agent.jobs().map(\.id) == ["big"])
        _ = try await fixture.agent.stopJob("big", purge: true)
    }

    @Test func aRefusedResubmissionLeavesTheRunningJobAlone() async throws {
        let fixture = AgentFixture()
        defer { fixture.remove() }
        let first = try await fixture.agent.submit(source: mockJob("keep"), filename: "keep.hcl")
        _ = try await fixture.waitFor(first.allocations[0]) { $0.stub.clientStatus == .running }
        await #expect {
            _ = try await fixture.agent.submit(source: mockJob("keep", memory: 1 << 20), filename: "keep.hcl")
        } throws: { ($0 as? AgentError)?.status == 409 }
        #expect(try await fixture.agent.allocation(first.allocations[0]).stub.clientStatus == .running)
        #expect(try await fixture.store.allocations().map(\.id) == first.allocations)
        // What the running job reserves does not count against its own replacement.
        let second = try await fixture.agent.submit(source: mockJob("keep", memory: 4000), filename: "keep.hcl")
        #expect(second.replaced == first.allocations)
        _ = try await fixture.agent.stopJob("keep", purge: true)
    }

    @Test func relativeHostPathsAreResolvedAgainstTheJobFilesDirectory() async throws {
        let fixture = AgentFixture(mockDriver: PathsDriver())
        defer { fixture.remove() }
        let source = mockJob("paths", config: "run_for = \"1h\"\n        image = \"rootfs\"")
        await #expect {
            _ = try await fixture.agent.submit(source: source, filename: "p.hcl")
        } throws: { error in
            (error as? AgentError)?.status == 400 && "\(error)".contains("relative host paths")
        }
        #expect(await fixture.agent.jobs().isEmpty)
        _ = try await fixture.agent.submit(source: source, filename: "p.hcl", directory: "/srv/jobs")
        let task = try await fixture.agent.job("paths").job.groups[0].tasks[0]
        #expect(task.config["image"] == .string("/srv/jobs/rootfs"))
        await #expect {
            _ = try await fixture.agent.submit(source: source, filename: "p.hcl", directory: "jobs")
        } throws: { ($0 as? AgentError)?.status == 400 }
        _ = try await fixture.agent.stopJob("paths", purge: true)
    }

    @Test func unknownDriverIsABadRequest() async throws {
        let fixture = AgentFixture()
        defer { fixture.remove() }
        let source = mockJob("d").replacingOccurrences(of: "driver = \"mock\"", with: "driver = \"docker\"")
        await #expect {
            _ = try await fixture.agent.submit(source: source, filename: "d.hcl")
        } throws: { error in
            (error as? AgentError)?.status == 400 && "\(error)".contains("docker")
        }
    }

    @Test func allocationIdsResolveFromUniquePrefixes() async throws {
        let fixture = AgentFixture()
        defer { fixture.remove() }
        let answer = try await fixture.agent.submit(source: mockJob("p", count: 3), filename: "p.hcl")
        let id = answer.allocations[0]
        let unique = (4...id.count).lazy.map { String(id.prefix($0)) }.first { prefix in
            answer.allocations.filter { $0.hasPrefix(prefix) }.count == 1
        }!
        #expect(try await fixture.agent.allocation(unique).stub.id == id)
        await #expect(throws: AgentError.notFound(what: "allocation", id: "zzzz")) {
            _ = try await fixture.agent.allocation("zzzz")
        }
        await #expect {
            _ = try await fixture.agent.allocation("")
        } throws: { ($0 as? AgentError)?.status == 404 }
        _ = try await fixture.agent.stopJob("p", purge: true)
    }

    @Test func stoppingAJobKillsItsTasksAndKeepsItsAllocations() async throws {
        let fixture = AgentFixture()
        defer { fixture.remove() }
        let answer = try await fixture.agent.submit(source: mockJob("s"), filename: "s.hcl")
        let id = answer.allocations[0]
        _ = try await fixture.waitFor(id) { $0.stub.clientStatus == .running }
        let stop = try await fixture.agent.stopJob("s", purge: false)
        #expect(stop.allocations == [id])
        #expect(try await fixture.store.allocations().first?.desiredStatus == .stop)
        let detail = try await fixture.waitFor(id) { $0.taskStates["main"]?.state == .dead }
        #expect(detail.stub.desiredStatus == .stop)
        #expect(detail.taskStates["main"]?.events.map(\.type).contains(.killed) == true)
        let job = await fixture.agent.jobs().first
        #expect(job?.status == "dead")
        #expect(job?.stopped == true)
        await #expect(throws: AgentError.notFound(what: "job", id: "nope")) {
            _ = try await fixture.agent.stopJob("nope", purge: false)
        }
    }

    @Test func blockingQueryAnswersOnChangeAndOnTimeout() async throws {
        let fixture = AgentFixture()
        defer { fixture.remove() }
        let answer = try await fixture.agent.submit(source: mockJob("b"), filename: "b.hcl")
        let id = answer.allocations[0]
        let running = try await fixture.waitFor(id) { $0.stub.clientStatus == .running }
        let start = ContinuousClock.now
        let unchanged = try await fixture.agent.allocation(id, after: running.stub.modifyIndex, timeout: .milliseconds(200))
        #expect(unchanged.stub.modifyIndex == running.stub.modifyIndex)
        #expect(ContinuousClock.now - start >= .milliseconds(190))
        async let changed = fixture.agent.allocation(id, after: running.stub.modifyIndex, timeout: .seconds(30))
        _ = try await fixture.agent.stopAllocation(id)
        #expect(try await changed.stub.modifyIndex > running.stub.modifyIndex)
        _ = try await fixture.agent.stopJob("b", purge: true)
    }

    @Test func signalNeedsATaskNameWhenThereAreSeveral() async throws {
        let fixture = AgentFixture()
        defer { fixture.remove() }
        let answer = try await fixture.agent.submit(source: mockJob("two", tasks: ["a", "b"]), filename: "two.hcl")
        let id = answer.allocations[0]
        _ = try await fixture.waitFor(id) { $0.stub.tasks.values.allSatisfy { $0 == .running } }
        await #expect {
            _ = try await fixture.agent.signal(alloc: id, task: nil, signal: "SIGUSR1")
        } throws: { error in
            (error as? AgentError)?.status == 400 && "\(error)".contains("a, b")
        }
        let sent = try await fixture.agent.signal(alloc: id, task: "b", signal: "SIGUSR1")
        #expect(sent.tasks == ["b"])
        await #expect {
            _ = try await fixture.agent.signal(alloc: id, task: "b", signal: "SIGNOPE")
        } throws: { ($0 as? AgentError)?.status == 400 }
        await #expect {
            _ = try await fixture.agent.restart(alloc: id, task: "c")
        } throws: { ($0 as? AgentError)?.status == 404 }
        _ = try await fixture.agent.stopJob("two", purge: true)
    }

    @Test func terminalAllocationsBeyondTheLimitAreCollected() async throws {
        let fixture = AgentFixture { $0.gcMaxAllocs = 1 }
        defer { fixture.remove() }
        var ids: [String] = []
        for number in 0..<3 {
            let answer = try await fixture.agent.submit(source: mockJob("batch\(number)", type: "batch", config: "run_for = \"1ms\""),
                                                        filename: "b.hcl")
            ids.append(answer.allocations[0])
            _ = try await fixture.waitFor(answer.allocations[0]) { $0.stub.clientStatus == .complete }
        }
        // Collection runs as each allocation's runner ends; wait until only the newest is left.
        let deadline = ContinuousClock.now + .seconds(10)
        while await fixture.agent.allocations().count > 1, ContinuousClock.now < deadline {
            _ = try? await fixture.agent.allocation(ids[0], after: .max - 1, timeout: .milliseconds(50))
        }
        #expect(await fixture.agent.allocations().map(\.id) == [ids[2]])
        #expect(try await fixture.store.allocations().map(\.id) == [ids[2]])
    }

    @Test func anAllocationThatCannotBeRestoredBlocksItsJob() async throws {
        let driver = MockDriver()
        let store = MemoryStateStore()
        let first = AgentFixture(driver: driver, store: store)
        defer { first.remove() }
        let answer = try await first.agent.submit(source: mockJob("orphan"), filename: "o.hcl")
        _ = try await first.waitFor(answer.allocations[0]) { $0.stub.clientStatus == .running }
        await first.agent.shutdown()
        // The next agent has no mock driver: the allocation cannot be restored, its task may run on.
        let second = AgentFixture(driver: driver, store: store, dataDir: first.dataDir, registerDriver: false)
        try await second.agent.start()
        #expect(await second.agent.allocations().isEmpty)
        await #expect {
            _ = try await second.agent.submit(source: mockJob("orphan"), filename: "o.hcl")
        } throws: { error in
            (error as? AgentError)?.status == 409 && "\(error)".contains(answer.allocations[0])
        }
        #expect(try await store.allocations().map(\.id) == answer.allocations)
    }

    @Test func aRestartedAgentRestoresRunningTasksWithoutStartingThemAgain() async throws {
        let driver = MockDriver()
        let store = MemoryStateStore()
        let first = AgentFixture(driver: driver, store: store)
        defer { first.remove() }
        let answer = try await first.agent.submit(source: mockJob("keep", count: 2), filename: "keep.hcl")
        for id in answer.allocations { _ = try await first.waitFor(id) { $0.stub.clientStatus == .running } }
        await first.agent.shutdown()

        let second = AgentFixture(driver: driver, store: store, dataDir: first.dataDir)
        try await second.agent.start()
        #expect(await second.agent.allocations().map(\.id) == answer.allocations)
        for id in answer.allocations {
            let detail = try await second.agent.allocation(id)
            #expect(detail.stub.clientStatus == .running)
            #expect(detail.taskStates["main"]?.events.filter { $0.type == .started }.count == 1)
        }
        #expect(await second.agent.jobs().first?.summary == AllocCounts(running: 2))
        _ = try await second.agent.stopJob("keep", purge: true)
        #expect(try await store.allocations().isEmpty)
    }
}

/// The node's datacenter, region and namespaces decide which jobs it takes: any other job is refused
/// at submission and nothing of it is stored or started.
@Suite struct AgentPlacementTests {
    func job(_ id: String, _ header: String) -> String {
        mockJob(id).replacingOccurrences(of: "job \"\(id)\" {", with: "job \"\(id)\" {\n  \(header)")
    }

    @Test func aJobForAnotherDatacenterRegionOrNamespaceIsRefusedAndNothingIsStored() async throws {
        let fixture = AgentFixture { $0.namespaces = ["default", "team-a"] }
        defer { fixture.remove() }
        for (header, wording) in [("datacenters = [\"us-east-1\", \"dc2\"]", "No nodes were eligible for evaluation"),
                                  ("region = \"europe\"", "No path to region"),
                                  ("namespace = \"team-b\"", "namespace \"team-b\" does not exist")] {
            await #expect {
                _ = try await fixture.agent.submit(source: job("far", header), filename: "far.hcl")
            } throws: { error in
                guard case .badRequest(let message) = error as? AgentError else { return false }
                return message.contains(wording)
            }
        }
        #expect(await fixture.agent.jobs().isEmpty)
        #expect(try await fixture.store.allocations().isEmpty)
        // What the node has: its datacenter (by wildcard too), its region, a namespace it knows.
        let near = try await fixture.agent.submit(
            source: job("near", "datacenters = [\"us-*\", \"d*1\"]\n  region = \"global\"\n  namespace = \"team-a\""),
            filename: "near.hcl")
        #expect(near.allocations.count == 1)
    }
}

/// `resources { cores }`: each instance gets whole cores of its own, stored with it; a job asking for
/// more than are free is refused; cores come back when the job stops.
@Suite struct AgentCoreAssignmentTests {
    func coresJob(_ id: String, count: Int, cores: Int) -> String {
        mockJob(id, count: count).replacingOccurrences(of: "cpu    = 20", with: "cores  = \(cores)")
    }

    @Test func coresAreReservedPerInstanceAndRefusedWhenNoneAreFree() async throws {
        let fixture = AgentFixture(node: { $0.attributes["cpu.numcores"] = "3"; $0.attributes["cpu.frequency"] = "1000" })
        defer { fixture.remove() }
        let web = try await fixture.agent.submit(source: coresJob("web", count: 2, cores: 1), filename: "web.hcl")
        let stored = try await fixture.store.allocations()
        #expect(Set(stored.map { $0.taskCores["main"] ?? [] }) == [[0], [1]])
        await #expect {
            _ = try await fixture.agent.submit(source: coresJob("big", count: 1, cores: 2), filename: "big.hcl")
        } throws: { error in
            guard case .conflict(let message) = error as? AgentError else { return false }
            return message.contains("needs 2 whole cores") && message.contains("node has 1 free of 3")
        }
        let one = try await fixture.agent.submit(source: coresJob("one", count: 1, cores: 1), filename: "one.hcl")
        #expect(try await fixture.store.allocations().first { $0.id == one.allocations[0] }?.taskCores == ["main": [2]])
        _ = try await fixture.agent.stopJob("web", purge: true)
        _ = web
        let again = try await fixture.agent.submit(source: coresJob("big", count: 1, cores: 2), filename: "big.hcl")
        #expect(try await fixture.store.allocations().first { $0.id == again.allocations[0] }?.taskCores == ["main": [0, 1]])
    }
}

/// Constraints decide whether the node takes a job; affinities and spreads are said to change nothing.
@Suite struct AgentConstraintTests {
    func job(_ id: String, _ placement: String) -> String {
        mockJob(id).replacingOccurrences(of: "job \"\(id)\" {", with: "job \"\(id)\" {\n  \(placement)")
    }

    @Test func anUnmetConstraintRefusesTheJobAndAMetOneRunsIt() async throws {
        let fixture = AgentFixture()
        defer { fixture.remove() }
        await #expect {
            _ = try await fixture.agent.submit(source: job("win", "constraint {\n attribute = \"${attr.kernel.name}\"\n value = \"windows\"\n }"),
                                               filename: "win.hcl")
        } throws: { error in
            guard case .badRequest(let message) = error as? AgentError else { return false }
            return message.contains("Constraint \"${attr.kernel.name} = windows\": 1 node filtered")
        }
        #expect(await fixture.agent.jobs().isEmpty)
        let linux = try await fixture.agent.submit(
            source: job("lin", "constraint {\n attribute = \"${attr.kernel.name}\"\n value = \"linux\"\n }\n"
                        + "affinity {\n attribute = \"${node.datacenter}\"\n value = \"dc1\"\n }"),
            filename: "lin.hcl")
        #expect(linux.allocations.count == 1)
        #expect(linux.warnings == ["affinity \"${node.datacenter} = dc1\" (weight 50) in job: this node matches; "
                                   + "with one node it changes nothing"])
    }
}
