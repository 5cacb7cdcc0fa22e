/// `task_dir`: builds the allocation and task directories (docs/architecture.md, section 1) before the first start;
/// done once, so a restored runner does not rebuild them.
package struct TaskDirHook: TaskPrestartHook {
    package let name = "task_dir"
    let builder: any TaskDirBuilder

    package init(builder: any TaskDirBuilder) { self.builder = builder }

    package func prestart(_ request: PrestartRequest, context: TaskHookContext) async throws -> PrestartResponse {
        do {
            try await builder.build(context.directory)
        } catch {
            throw HookFailure("cannot build task directory \(context.directory.taskDir): \(error)", recoverable: true)
        }
        await context.emit(.setup(at: context.clock.now()))
        return PrestartResponse(done: true)
    }
}
