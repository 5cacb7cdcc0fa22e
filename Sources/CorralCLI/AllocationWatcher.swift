import CorralAPI
import CorralClient
import CorralRunner
import Foundation

/// Follows allocations with blocking queries (`?index=` the last modify index, 30 s at a time),
/// printing each new task event once, until each allocation reaches what the caller waits for.
struct AllocationWatcher: Sendable {
    /// What ends the watch of one allocation.
    enum Goal: Sendable {
        /// Every task running (a service job started), or the allocation terminal.
        case running
        /// The allocation terminal: complete or failed.
        case terminal
    }

    let client: AgentClient
    let json: Bool
    let color: Bool
    var wait: Duration = .seconds(30)

    /// Watches every allocation at once; returns each one's last state, in the order given. Each is
    /// read once first, so that the task column is as wide as the widest task name of them all.
    func watch(_ ids: [String], until goal: Goal) async throws -> [AllocDetail] {
        let first = try await fetchAll(ids)
        let columns = EventColumns(taskNames: first.flatMap(\.taskStates.keys))
        return try await withThrowingTaskGroup(of: (Int, AllocDetail).self) { group in
            for (position, detail) in first.enumerated() {
                group.addTask { (position, try await watch(from: detail, until: goal, columns: columns)) }
            }
            var results = [AllocDetail?](repeating: nil, count: ids.count)
            for try await (position, detail) in group { results[position] = detail }
            return results.compactMap { $0 }
        }
    }

    private func fetchAll(_ ids: [String]) async throws -> [AllocDetail] {
        try await withThrowingTaskGroup(of: (Int, AllocDetail).self) { group in
            for (position, id) in ids.enumerated() {
                group.addTask { (position, try await client.allocation(id, index: nil, wait: nil)) }
            }
            var results = [AllocDetail?](repeating: nil, count: ids.count)
            for try await (position, detail) in group { results[position] = detail }
            return results.compactMap { $0 }
        }
    }

    /// Prints `detail`'s events, then each new one, until `goal`.
    func watch(from detail: AllocDetail, until goal: Goal, columns: EventColumns) async throws -> AllocDetail {
        var printed: [String: TaskEvent] = [:]
        var detail = detail
        while true {
            for line in AgentEventLine.newEvents(in: detail, printed: &printed) {
                Output.write(json ? line.json() : line.text(color: color, columns: columns))
            }
            if Self.reached(goal, detail.stub) { return detail }
            detail = try await client.allocation(detail.stub.id, index: detail.stub.modifyIndex, wait: wait)
        }
    }

    static func isTerminal(_ stub: AllocStub) -> Bool {
        stub.clientStatus == .complete || stub.clientStatus == .failed
    }

    static func reached(_ goal: Goal, _ stub: AllocStub) -> Bool {
        if isTerminal(stub) { return true }
        switch goal {
        case .terminal: return false
        case .running: return !stub.tasks.isEmpty && stub.tasks.values.allSatisfy { $0 == .running }
        }
    }
}
