import CorralDriver
import CorralRunner
import Foundation
import Testing
@testable import CorralRunnerStore

@Suite("SQLite state store: values")
struct SQLiteStateStoreValueTests {
    @Test("an allocation round-trips with its job, groups, tasks and driver config")
    func allocationRoundTrip() async throws {
        try await withTemporaryDirectory { dir in
            let store = try SQLiteStateStore(path: dir + "/state.db")
            let allocation = Fixtures.allocation("a1")
            try await store.putAllocation(allocation)
            let stored = try await store.allocations()
            #expect(stored == [allocation])
            #expect(stored.first?.job.groups.first?.tasks.first?.config["ratio"] == .number(0.25))
            #expect(stored.first?.job.groups.first?.tasks.first?.killTimeout == .milliseconds(7_500))
        }
    }

    @Test("a task state round-trips with its events and dates exactly")
    func taskStateRoundTrip() async throws {
        try await withTemporaryDirectory { dir in
            let store = try SQLiteStateStore(path: dir + "/state.db")
            let state = Fixtures.taskState()
            #expect(state.events.count == 5)
            #expect(state.failed)
            try await store.putTaskState(state, allocID: "a1", task: "server")
            let stored = try #require(try await store.taskState(allocID: "a1", task: "server"))
            #expect(stored == state)
            // Dates to the last bit, not to the millisecond.
            #expect(stored.events.map(\.time.timeIntervalSinceReferenceDate)
                    == state.events.map(\.time.timeIntervalSinceReferenceDate))
            #expect(stored.events.first?.time == Fixtures.oddDate)
            #expect(stored.finishedAt == state.finishedAt)
            #expect(stored.lastRestart != nil && stored.lastRestart == state.lastRestart)
            #expect(stored.lastExit?.exitCode == 137)
        }
    }

    @Test("a local state round-trips with its hooks and driver handle")
    func localStateRoundTrip() async throws {
        try await withTemporaryDirectory { dir in
            let store = try SQLiteStateStore(path: dir + "/state.db")
            let state = Fixtures.localState()
            try await store.putLocalState(state, allocID: "a1", task: "server")
            let stored = try #require(try await store.localState(allocID: "a1", task: "server"))
            #expect(stored == state)
            #expect(stored.driverHandle?.id == "a1/server/1")
            #expect(stored.driverHandle?.driverState == #"{"pid":4242,"cgroup":"/corral/x"}"#)
            #expect(stored.hooks["task_dir"]?.env == ["NOMAD_TASK_DIR": "/local"])
        }
    }

    @Test("absent states read as nil; task and local states are separate")
    func absentStates() async throws {
        try await withTemporaryDirectory { dir in
            let store = try SQLiteStateStore(path: dir + "/state.db")
            #expect(try await store.allocations().isEmpty)
            #expect(try await store.taskState(allocID: "a1", task: "server") == nil)
            #expect(try await store.localState(allocID: "a1", task: "server") == nil)
            try await store.putTaskState(CorralRunner.TaskState(), allocID: "a1", task: "server")
            #expect(try await store.localState(allocID: "a1", task: "server") == nil)
            #expect(try await store.taskState(allocID: "a1", task: "other") == nil)
            #expect(try await store.taskState(allocID: "a2", task: "server") == nil)
        }
    }

    @Test("everything survives closing and reopening")
    func persistsAcrossReopen() async throws {
        try await withTemporaryDirectory { dir in
            let path = dir + "/state.db"
            let allocations = [Fixtures.allocation("b"), Fixtures.allocation("a", job: "api", index: 1)]
            let taskState = Fixtures.taskState()
            let localState = Fixtures.localState("a")
            do {
                let store = try SQLiteStateStore(path: path)
                for allocation in allocations { try await store.putAllocation(allocation) }
                try await store.putTaskState(taskState, allocID: "a", task: "server")
                try await store.putLocalState(localState, allocID: "a", task: "server")
                try store.close()
            }
            let reopened = try SQLiteStateStore(path: path)
            #expect(reopened.path == path)
            #expect(try await reopened.allocations() == allocations)
            #expect(try await reopened.taskState(allocID: "a", task: "server") == taskState)
            #expect(try await reopened.localState(allocID: "a", task: "server") == localState)
            try reopened.close()
            // And once more, after a reopen that wrote nothing.
            let third = try SQLiteStateStore(path: path)
            #expect(try await third.allocations().map(\.id) == ["b", "a"])
        }
    }

    @Test("allocations come back in the order they were first stored; a replacement keeps its place")
    func allocationOrder() async throws {
        try await withTemporaryDirectory { dir in
            let store = try SQLiteStateStore(path: dir + "/state.db")
            for id in ["c", "a", "b", "z", "m"] { try await store.putAllocation(Fixtures.allocation(id)) }
            var replaced = Fixtures.allocation("a")
            replaced.desiredStatus = .stop
            try await store.putAllocation(replaced)
            var stored = try await store.allocations()
            #expect(stored.map(\.id) == ["c", "a", "b", "z", "m"])
            #expect(stored[1].desiredStatus == .stop)
            #expect(stored.filter { $0.desiredStatus == .stop }.count == 1)

            try await store.deleteAllocation(id: "a")
            try await store.deleteAllocation(id: "m")
            try await store.putAllocation(Fixtures.allocation("a"))
            try await store.putAllocation(Fixtures.allocation("m"))
            stored = try await store.allocations()
            #expect(stored.map(\.id) == ["c", "b", "z", "a", "m"])
            #expect(stored[3].desiredStatus == .run)
        }
    }

    @Test("deleting an allocation removes its task and local states, and only its")
    func deleteAllocation() async throws {
        try await withTemporaryDirectory { dir in
            let store = try SQLiteStateStore(path: dir + "/state.db")
            let taskState = Fixtures.taskState()
            for id in ["a1", "a2"] {
                try await store.putAllocation(Fixtures.allocation(id))
                for task in ["server", "sidecar"] {
                    try await store.putTaskState(taskState, allocID: id, task: task)
                    try await store.putLocalState(Fixtures.localState(id, task: task), allocID: id, task: task)
                }
            }
            // A state whose allocation was never stored is allowed, and deleted with its id.
            try await store.putTaskState(CorralRunner.TaskState(), allocID: "orphan", task: "t")
            #expect(try await store.taskState(allocID: "orphan", task: "t") == CorralRunner.TaskState())

            try await store.deleteAllocation(id: "a1")
            try await store.deleteAllocation(id: "orphan")
            try await store.deleteAllocation(id: "never-stored")

            #expect(try await store.allocations().map(\.id) == ["a2"])
            for task in ["server", "sidecar"] {
                #expect(try await store.taskState(allocID: "a1", task: task) == nil)
                #expect(try await store.localState(allocID: "a1", task: task) == nil)
                #expect(try await store.taskState(allocID: "a2", task: task) == taskState)
                #expect(try await store.localState(allocID: "a2", task: task) == Fixtures.localState("a2", task: task))
            }
            #expect(try await store.taskState(allocID: "orphan", task: "t") == nil)
        }
    }

    @Test("a put replaces the previous value")
    func overwrite() async throws {
        try await withTemporaryDirectory { dir in
            let store = try SQLiteStateStore(path: dir + "/state.db")
            var state = CorralRunner.TaskState()
            try await store.putTaskState(state, allocID: "a1", task: "server")
            try state.transition(to: .running, at: Fixtures.oddDate)
            state.append(.started(at: Fixtures.oddDate))
            try await store.putTaskState(state, allocID: "a1", task: "server")
            let stored = try await store.taskState(allocID: "a1", task: "server")
            #expect(stored?.state == .running)
            #expect(stored?.startedAt == Fixtures.oddDate)
            #expect(stored?.events.count == 1)

            var local = Fixtures.localState()
            try await store.putLocalState(local, allocID: "a1", task: "server")
            local.driverHandle = nil
            local.runCount = 2
            try await store.putLocalState(local, allocID: "a1", task: "server")
            let storedLocal = try await store.localState(allocID: "a1", task: "server")
            #expect(storedLocal?.driverHandle == nil)
            #expect(storedLocal?.runCount == 2)
            #expect(storedLocal == local)
        }
    }

    @Test("concurrent writers all land")
    func concurrentWrites() async throws {
        try await withTemporaryDirectory { dir in
            let store = try SQLiteStateStore(path: dir + "/state.db")
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<40 {
                    group.addTask {
                        try await store.putAllocation(Fixtures.allocation("alloc-\(index)", index: index))
                        var state = CorralRunner.TaskState()
                        state.restarts = index
                        try await store.putTaskState(state, allocID: "alloc-\(index)", task: "t")
                    }
                }
                try await group.waitForAll()
            }
            let stored = try await store.allocations()
            #expect(stored.count == 40)
            #expect(Set(stored.map(\.id)).count == 40)
            for index in 0..<40 {
                #expect(try await store.taskState(allocID: "alloc-\(index)", task: "t")?.restarts == index)
            }
        }
    }

    @Test("a stored value that does not decode is an encoding error naming it")
    func undecodableValue() async throws {
        try await withTemporaryDirectory { dir in
            let store = try SQLiteStateStore(path: dir + "/state.db")
            try await store.putAllocation(Fixtures.allocation("a1"))
            try await store.executeForTesting("UPDATE allocations SET data = '{\"id\": 3}' WHERE id = 'a1'")
            do throws(StateStoreError) {
                _ = try await store.allocations()
                Issue.record("an undecodable allocation was returned")
            } catch {
                guard case let .encoding(what, reason) = error else {
                    Issue.record("expected .encoding, got \(error)")
                    return
                }
                #expect(what == "allocation a1")
                #expect(!reason.isEmpty)
            }

            // Bytes that are not JSON text, in a state table.
            try await store.putTaskState(CorralRunner.TaskState(), allocID: "a1", task: "t")
            try await store.executeForTesting("UPDATE task_states SET data = x'ff00fe' WHERE alloc_id = 'a1'")
            do throws(StateStoreError) {
                _ = try await store.taskState(allocID: "a1", task: "t")
                Issue.record("an undecodable task state was returned")
            } catch {
                guard case .encoding = error else {
                    Issue.record("expected .encoding, got \(error)")
                    return
                }
            }
        }
    }

    @Test("a closed store refuses reads and writes with the path")
    func closedStore() async throws {
        try await withTemporaryDirectory { dir in
            let path = dir + "/state.db"
            let store = try SQLiteStateStore(path: path)
            try store.close()
            do throws(StateStoreError) {
                try await store.putAllocation(Fixtures.allocation("a1"))
                Issue.record("a closed store wrote")
            } catch {
                guard case let .io(errorPath, operation, reason) = error else {
                    Issue.record("expected .io, got \(error)")
                    return
                }
                #expect(errorPath == path)
                #expect(operation == "put allocation a1")
                #expect(reason == "the store is closed")
            }
            await #expect(throws: StateStoreError.io(path: path, operation: "read allocations",
                                                     reason: "the store is closed")) {
                try await store.allocations()
            }
            await #expect(throws: StateStoreError.io(path: path, operation: "read task state a1/server",
                                                     reason: "the store is closed")) {
                try await store.taskState(allocID: "a1", task: "server")
            }
        }
    }
}
