import CorralDriver
import CorralRunner

/// A job file's body (through `BodyView`, so HCL and JSON alike) to a `Job`. It goes on after each
/// problem and collects them all in `diagnostics`; the job it returns is only meaningful when
/// there are none.
struct JobDecoder {
    var diagnostics = DiagnosticCollector()
    /// The job's placement rules, from every level, gathered as the levels are read.
    var constraints: [Constraint] = []
    var preferences: [PlacementPreference] = []
    let drivers: [String: ConfigSchema]
    let reader: ValueReader

    /// The drivers listed in messages in this order first (then any others by name).
    static let preferredDriverOrder = ["exec", "raw_exec", "mock"]

    init(drivers: [String: ConfigSchema], format: Jobspec.Format) {
        self.drivers = drivers
        self.reader = ValueReader(durationsMayBeNanoseconds: format == .json)
    }

    /// The file's one `job` block; `start` is where "missing job block" is reported.
    mutating func decodeFile(_ root: any BodyView, start: SourcePosition) -> Job? {
        let content = root.content(JobSchema.file, in: "the file", diagnostics: &diagnostics)
        let jobs = content.blocks("job")
        guard let first = jobs.first else {
            diagnostics.error("missing job block: a job file holds job \"NAME\" { ... }", at: start)
            return nil
        }
        for extra in jobs.dropFirst() {
            diagnostics.error("only one job block is allowed (the first is at \(first.position))", at: extra.position)
        }
        return decodeJob(first)
    }

    mutating func decodeJob(_ block: BlockView) -> Job {
        let name = checkedName(of: block)
        let context = Self.context(of: block, name: name)
        let content = block.body.content(JobSchema.job, in: context, diagnostics: &diagnostics)
        var job = Job(id: name)
        if let value = content.value("type"), let text = reader.string(value, "type", &diagnostics) {
            if let type = JobType(rawValue: text) {
                job.type = type
            } else {
                diagnostics.error("type: must be \"service\", \"batch\", \"system\" or \"sysbatch\", got \(quoted(text))",
                                  at: value.range.start)
            }
        }
        if let value = content.value("priority"),
           let priority = reader.integer(value, "priority", minimum: 1, maximum: 100, &diagnostics) {
            job.priority = priority
        }
        if let value = content.value("region"), let region = reader.string(value, "region", &diagnostics) {
            job.region = region
        }
        if let value = content.value("namespace"), let namespace = reader.string(value, "namespace", &diagnostics) {
            if namespace.isEmpty { diagnostics.error("namespace: must not be empty", at: value.range.start) }
            job.namespace = namespace
        }
        if let value = content.value("datacenters"), let datacenters = reader.strings(value, "datacenters", &diagnostics) {
            if datacenters.isEmpty {
                diagnostics.error("datacenters: must list at least one datacenter (\"*\" is every one)", at: value.range.start)
            }
            job.datacenters = datacenters
        }
        if let meta = single("meta", of: content, in: context) { job.meta = reader.stringMap(meta, "meta", &diagnostics) }
        decodePlacement(content, scope: .job)
        let groups = content.blocks("group")
        // A task written directly in the job: Nomad puts it in a group of its own, named after it.
        let loneTasks = content.blocks("task")
        if groups.isEmpty && loneTasks.isEmpty { diagnostics.error("\(context): missing group", at: block.position) }
        var seen: [String: SourcePosition] = [:]
        for (groupBlock, group) in groups.map({ ($0, decodeGroup($0, jobType: job.type)) })
            + loneTasks.map({ ($0, decodeLoneTask($0, jobType: job.type)) }) {
            // Nomad's system schedulers place one allocation of each group per node.
            if job.type == .system || job.type == .sysbatch, group.count > 1 {
                diagnostics.error("count: a \(job.type.rawValue) job runs one allocation of each group on each node: "
                                  + "count cannot exceed 1, got \(group.count) in group \(quoted(group.name))",
                                  at: groupBlock.position)
            }
            if !group.name.isEmpty, let first = seen[group.name] {
                diagnostics.error("duplicate group name \(quoted(group.name)) in \(context) (first at \(first))"
                                  + (groupBlock.type == "task" ? ": a task in the job is a group of its own name" : ""),
                                  at: groupBlock.position)
            }
            seen[group.name] = seen[group.name] ?? groupBlock.position
            job.groups.append(group)
        }
        job.constraints = constraints
        job.preferences = preferences
        return job
    }

    /// `job { task "web" { ... } }`: the group Nomad makes of it, `group "web" { task "web" { ... } }`.
    mutating func decodeLoneTask(_ block: BlockView, jobType: JobType) -> TaskGroup {
        let task = decodeTask(block, restartDefaults: RestartPolicy.defaults(for: jobType),
                              group: block.labels.first?.value ?? "")
        var group = TaskGroup(name: task.name)
        group.tasks = [task]
        return group
    }

    /// The most instances of one group: a single node runs them all.
    static let maximumCount = JobLimits.maximumCount

    mutating func decodeGroup(_ block: BlockView, jobType: JobType) -> TaskGroup {
        let name = checkedName(of: block)
        let context = Self.context(of: block, name: name)
        let content = block.body.content(JobSchema.group, in: context, diagnostics: &diagnostics)
        var group = TaskGroup(name: name)
        if let value = content.value("count"), let count = reader.integer(value, "count", minimum: 0, maximum: Self.maximumCount, &diagnostics) {
            group.count = count
        }
        if let restart = single("restart", of: content, in: context) {
            group.restart = decodeRestart(restart, defaults: RestartPolicy.defaults(for: jobType))
        }
        if let meta = single("meta", of: content, in: context) { group.meta = reader.stringMap(meta, "meta", &diagnostics) }
        decodePlacement(content, scope: .group(name))
        let tasks = content.blocks("task")
        if tasks.isEmpty { diagnostics.error("\(context): missing task", at: block.position) }
        var seen: [String: SourcePosition] = [:]
        for taskBlock in tasks {
            let task = decodeTask(taskBlock, restartDefaults: group.restart ?? RestartPolicy.defaults(for: jobType), group: name)
            if !task.name.isEmpty, let first = seen[task.name] {
                diagnostics.error("duplicate task name \(quoted(task.name)) in \(context) (first at \(first))",
                                  at: taskBlock.position)
            }
            seen[task.name] = seen[task.name] ?? taskBlock.position
            group.tasks.append(task)
        }
        return group
    }

    /// `task "web"` in messages; `task` alone for a block without a name (already reported).
    static func context(of block: BlockView, name: String) -> String {
        block.labels.isEmpty ? block.type : "\(block.type) \(quoted(name))"
    }

    /// The block of `type`, of which at most one is allowed; the others are reported.
    mutating func single(_ type: String, of content: BodyContent, in context: String) -> BlockView? {
        let blocks = content.blocks(type)
        guard let first = blocks.first else { return nil }
        for extra in blocks.dropFirst() {
            diagnostics.error("only one \(type) block is allowed in \(context) (the first is at \(first.position))",
                              at: extra.position)
        }
        return first
    }

    /// The block's name, checked: task names become file names, and job and group names end up in
    /// allocation names. Empty when the block has none (already reported).
    mutating func checkedName(of block: BlockView) -> String {
        guard let label = block.labels.first else { return "" }
        let name = label.value
        let problem: String? =
            if name.isEmpty { "must not be empty" }
            else if name == "." || name == ".." { "must not be \".\" or \"..\"" }
            else if name.contains("/") { "must not contain \"/\"" }
            else if name.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) { "must not contain control characters" }
            else { nil }
        if let problem { diagnostics.error("\(block.type) name \(quoted(name)): \(problem)", at: label.range.start) }
        return name
    }
}
