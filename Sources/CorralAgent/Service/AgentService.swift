import ServiceLifecycle

/// The agent as a service of a `ServiceGroup`: runs until a graceful shutdown (SIGTERM, SIGINT)
/// is requested, then stops the allocation runners and leaves every task running, its state
/// persisted for the next agent. List it after the HTTP servers: a group shuts its services down
/// last-first, so blocking queries and log streams end before the servers wait for their connections.
package struct AgentService: Service {
    let agent: Agent

    package init(agent: Agent) { self.agent = agent }

    package func run() async throws {
        try? await gracefulShutdown()
        await agent.shutdown()
    }
}
