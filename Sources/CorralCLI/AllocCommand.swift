import ArgumentParser

/// `corral alloc ...`: the allocations the agent runs.
struct AllocCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alloc", abstract: "Inspect and act on the agent's allocations.",
        discussion: "An allocation id may be abbreviated to a unique prefix.",
        subcommands: [AllocStatusCommand.self, AllocLogs.self, AllocExec.self, AllocSignal.self, AllocRestart.self,
                      AllocStop.self])
}
