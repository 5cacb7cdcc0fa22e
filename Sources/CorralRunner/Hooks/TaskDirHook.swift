/// `task_dir`: builds the allocation and task directories (DESIGN.md §4) before the first start;
/// done once, so a restored runner does not rebuild them.
public struct TaskDirHook: TaskPrestartHook {
    public let name = "task_dir"
    let builder: any TaskDirBuilder

    public init(builder: any TaskDirBuilder) { self.builder = builder }

    public func prestart(_ request: PrestartRequest, context: TaskHookContext) async throws -> PrestartResponse {
        do {
            try await builder.build(context.directory)
        } catch {
            throw HookFailure("cannot build task directory \(context.directory.taskDir): \(error)", recoverable: true)
        }
        await context.emit(.setup(at: context.clock.now()))
        return PrestartResponse(done: true)
    }
}
