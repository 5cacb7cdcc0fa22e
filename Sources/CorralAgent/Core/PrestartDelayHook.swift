import CorralRunner

/// For the crash-recovery tests only (`AgentSettings.testPrestartDelay`): holds every task in its
/// prestart phase for a while, so a test can SIGKILL the agent in the middle of starting a task.
struct PrestartDelayHook: TaskPrestartHook {
    let name = "test_prestart_delay"
    let delay: Duration

    func prestart(_ request: PrestartRequest, context: TaskHookContext) async throws -> PrestartResponse {
        try await context.clock.sleep(for: delay)
        return PrestartResponse()
    }
}
