import CorralClient

/// corral's exit statuses, the same for every verb (docs/isolate.md, "Exit statuses"). A command's own status
/// (`isolate`, `alloc exec`, `run`'s tasks) is passed through below 125; 126, 127 and 128+N keep
/// their shell meanings.
enum CLIExit {
    static let success: Int32 = 0
    /// A job or an allocation ended failed (`corral run`, `corral job run`).
    static let failed: Int32 = 1
    /// A command line that is wrong wherever it runs, or an invalid job file: nothing was started.
    static let usage: Int32 = 2
    /// What was named does not exist (the agent's 404; an isolate task's id).
    static let notFound: Int32 = 3
    /// No agent answers at the address.
    static let unreachable: Int32 = 4
    /// corral itself failed, or the agent refused otherwise.
    static let corralFailed: Int32 = 125
}

/// A failure of corral itself, printed as `corral: <message>`, with its exit status (`CLIExit`).
struct CLIFailure: Error, CustomStringConvertible {
    var description: String
    var exitStatus: Int32

    init(_ description: String, exitStatus: Int32 = CLIExit.corralFailed) {
        self.description = description
        self.exitStatus = exitStatus
    }

    /// An agent client's failure: 4 when no agent answers, 3 when the agent says the thing named
    /// does not exist, 2 for an address that is no address, else 125. With `commandStatus` (`alloc
    /// exec`, whose statuses below 125 are the command's own) every one of them is 125.
    init(_ error: AgentClientError, commandStatus: Bool = false) {
        self.init(error.description, exitStatus: commandStatus ? CLIExit.corralFailed : Self.exitStatus(error))
    }

    static func exitStatus(_ error: AgentClientError) -> Int32 {
        switch error {
        case .unreachable: CLIExit.unreachable
        case .api(status: 404, _): CLIExit.notFound
        case .invalidAddress: CLIExit.usage
        case .api, .protocolError: CLIExit.corralFailed
        }
    }
}
