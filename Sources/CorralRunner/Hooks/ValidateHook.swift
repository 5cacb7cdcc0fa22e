import CorralDriver

/// `validate`: checks the task and its driver config before anything is made. Its failure is a
/// `Failed Validation` event and is never retried (the same input fails the same way).
package struct ValidateHook: TaskPrestartHook {
    package let name = "validate"

    package init() {}

    package func prestart(_ request: PrestartRequest, context: TaskHookContext) async throws -> PrestartResponse {
        let problems = Self.problems(task: context.task, allocation: context.allocation)
        if !problems.isEmpty { throw HookFailure(problems.joined(separator: "; ")) }
        // The driver sees the config as it will be started: interpolated.
        let environment = TaskEnvironment(allocation: context.allocation, task: context.task, node: context.node,
                                          directory: context.directory,
                                          fsIsolated: context.driver.capabilities.fsIsolation != .none)
        let (config, _) = environment.interpolate(context.task.config)
        do {
            try context.driver.validate(config)
        } catch {
            throw HookFailure("driver \(context.driver.name): \(error)")
        }
        return PrestartResponse()
    }

    /// The task's own fields, as `field: problem`.
    static func problems(task: TaskSpec, allocation: Allocation) -> [String] {
        var problems: [String] = []
        if task.name.isEmpty || task.name.contains("/") || task.name == "." || task.name == ".." {
            problems.append("task name \"\(task.name)\" must be a non-empty file name")
        }
        if task.resources.cpuMHz <= 0 { problems.append("resources.cpu: must be positive, got \(task.resources.cpuMHz)") }
        if task.resources.memoryMiB <= 0 {
            problems.append("resources.memory: must be positive, got \(task.resources.memoryMiB)")
        }
        if let max = task.resources.memoryMaxMiB, !task.resources.hasNoMemoryLimit, max < task.resources.memoryMiB {
            problems.append("resources.memory_max: \(max) is below memory \(task.resources.memoryMiB)")
        }
        if let pids = task.resources.pids, pids <= 0 { problems.append("resources.pids: must be positive, got \(pids)") }
        if SignalName.number(task.killSignal) == nil {
            problems.append("kill_signal: unknown signal \"\(task.killSignal)\"")
        }
        if task.killTimeout < .zero { problems.append("kill_timeout: must not be negative") }
        if task.shutdownDelay < .zero { problems.append("shutdown_delay: must not be negative") }
        if let policy = task.restart ?? allocation.group?.restart {
            problems += policy.problems.map { "restart." + $0 }
        }
        if task.logs.maxFiles < 1 { problems.append("logs.max_files: must be at least 1, got \(task.logs.maxFiles)") }
        if task.logs.maxFileSizeMiB < 1 {
            problems.append("logs.max_file_size: must be at least 1, got \(task.logs.maxFileSizeMiB)")
        }
        return problems
    }
}
