/// `env`: the task's environment (`NOMAD_*`, meta, its own `env`) and the `${...}` interpolation of
/// its driver config. Keys it cannot resolve stay as written and are reported in one warning event.
package struct EnvHook: TaskPrestartHook {
    package let name = "env"

    package init() {}

    package func prestart(_ request: PrestartRequest, context: TaskHookContext) async throws -> PrestartResponse {
        let environment = TaskEnvironment(allocation: context.allocation, task: context.task, node: context.node,
                                          directory: context.directory,
                                          fsIsolated: context.driver.capabilities.fsIsolation != .none,
                                          extra: request.env)
        let (config, unknownInConfig) = environment.interpolate(request.driverConfig)
        var unknown = environment.unknownKeys
        for key in unknownInConfig where !unknown.contains(key) { unknown.append(key) }
        if let warning = TaskEnvironment.warning(unknown: unknown) {
            await context.emit(.hookWarning(at: context.clock.now(), hook: name, message: warning))
        }
        return PrestartResponse(env: environment.variables, driverConfig: config)
    }
}
