/// Lets one caller at a time through a section that suspends (an actor alone interleaves callers
/// at every `await`): the agent's changes to its set of allocations (submit, stop with purge, garbage
/// collection) go through it, so two submissions cannot both pass the resource check.
actor AsyncSerialGate {
    private var busy = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    func run<T: Sendable, E: Error>(_ body: @Sendable () async throws(E) -> T) async throws(E) -> T {
        await enter()
        defer { leave() }
        return try await body()
    }

    private func enter() async {
        guard busy else {
            busy = true
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    private func leave() {
        if waiting.isEmpty { busy = false } else { waiting.removeFirst().resume() }
    }
}
