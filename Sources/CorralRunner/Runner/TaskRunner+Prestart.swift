import CorralDriver

/// A prestart hook failed: the run does not start; `recoverable` feeds the restart policy.
/// `cancelled`: a kill or a shutdown cut the hooks short; nothing failed, nothing is recorded.
struct StartFailure: Error {
    var recoverable: Bool
    var cancelled = false
}

extension TaskRunner {
    /// Runs the prestart hooks in order (skipping those persisted as done, whose environment is
    /// reapplied) and builds the driver's `TaskConfig` from what they produced. A failing hook
    /// records `Setup Failure` naming it (`Failed Validation` for `validate`).
    func prestart() async throws(StartFailure) -> TaskConfig {
        var env: [String: String] = [:]
        var driverConfig = task.config
        var devices: [DeviceRequest] = []
        var mounts = task.mounts
        var logging = task.logs
        for hook in hooks.compactMap({ $0 as? any TaskPrestartHook }) {
            let previous = local.hooks[hook.name]
            if let previous, previous.done {
                env.merge(previous.env) { $1 }
                continue
            }
            let response: PrestartResponse
            do {
                response = try await hook.prestart(PrestartRequest(previous: previous, env: env, driverConfig: driverConfig),
                                                   context: hookContext())
            } catch {
                // A kill or a shutdown cancelled the hooks (`prestartCancellable`): not a failure of the hook.
                if Task.isCancelled || lifecycle.killRequested || lifecycle.shutdownRequested { throw StartFailure(recoverable: false, cancelled: true) }
                let (message, recoverable) = Self.describe(error)
                if hook is ValidateHook {
                    await record([.failedValidation(at: clock.now(), error: message)])
                    throw StartFailure(recoverable: false)
                }
                await record([.setupFailure(at: clock.now(), hook: hook.name, error: message)])
                throw StartFailure(recoverable: recoverable)
            }
            env.merge(response.env) { $1 }
            if let config = response.driverConfig { driverConfig = config }
            devices += response.devices
            mounts += response.mounts
            if let newLogging = response.logging { logging = newLogging }
            if response.done || !response.data.isEmpty {
                local.hooks[hook.name] = HookState(done: response.done, data: response.data, env: response.env)
                await persistLocal()
            }
            // Cancelled after a hook finished: its result is kept (above), the next hooks do not run.
            if Task.isCancelled { throw StartFailure(recoverable: false, cancelled: true) }
        }
        return TaskConfig(
            id: TaskConfig.makeID(allocID: allocation.id, task: task.name, restart: local.runCount),
            name: task.name, jobName: allocation.job.name, groupName: allocation.groupName, allocID: allocation.id,
            env: env, user: task.user, resources: resources(), devices: devices, mounts: mounts,
            allocDir: directory.allocDir, taskDir: directory.taskDir, logging: logging, driverConfig: driverConfig)
    }

    /// `prestart` in a task of its own, which a kill or a shutdown cancels (`cancelPrestart`): a hook
    /// that waits (a download, a template's data, a delay) sees Swift's task cancellation as its
    /// context's end, as a Nomad hook sees its context cancelled, and the kill does not wait for it.
    func prestartCancellable() async throws(StartFailure) -> TaskConfig {
        let work = Task { () async -> Result<TaskConfig, StartFailure> in
            do throws(StartFailure) { return .success(try await self.prestart()) } catch { return .failure(error) }
        }
        prestartTask = work
        defer { prestartTask = nil }
        if lifecycle.killRequested || lifecycle.shutdownRequested { work.cancel() }
        return try await work.value.get()
    }

    /// Cuts short the prestart hooks under way, if any.
    func cancelPrestart() {
        prestartTask?.cancel()
    }

    /// The task's resources in the driver's units: MiB to bytes (`memory_max` is the hard limit
    /// when set, `memory` then the reservation; `memory_max = -1` leaves no hard limit), MHz as CPU
    /// shares and as a share of the node.
    func resources() -> TaskResources {
        let spec = task.resources
        let memory = UInt64(max(spec.memoryMiB, 0)) << 20
        var megahertz = spec.cpuMHz
        var cpuset = spec.cpuset
        // `cores`: whole CPUs, worth the node's MHz per core each, and the task pinned to the ones
        // reserved for it (CoreAssignment).
        if let cores = spec.cores, let perCore = config.node.attributes["cpu.frequency"].flatMap({ Int($0) }), perCore > 0 {
            megahertz = cores * perCore
        }
        if let reserved = allocation.taskCores[task.name], !reserved.isEmpty {
            cpuset = CoreAssignment.cpusetList(reserved)
        }
        let percent = config.node.totalComputeMHz.map { min(Double(megahertz) / Double($0), 1) }
        let limit: UInt64?, reservation: UInt64?
        if spec.hasNoMemoryLimit {
            (limit, reservation) = (nil, memory)
        } else if let max = spec.memoryMaxMiB {
            (limit, reservation) = (UInt64(Swift.max(max, 0)) << 20, memory)
        } else {
            (limit, reservation) = (memory, nil)
        }
        return TaskResources(memoryLimitBytes: limit, memoryReservationBytes: reservation,
                             cpuShares: UInt64(max(megahertz, 2)), percentTicks: percent, pids: spec.pids,
                             cpuset: cpuset)
    }

    static func describe(_ error: any Error) -> (message: String, recoverable: Bool) {
        switch error {
        case let failure as HookFailure: (failure.message, failure.recoverable)
        case let driverError as DriverError: ("\(driverError)", driverError.recoverable)
        default: ("\(error)", false)
        }
    }
}
