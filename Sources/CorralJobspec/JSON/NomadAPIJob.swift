/// Nomad's API form of a job (`{"Job": {...}}`, as `nomad job run -output` and `nomad job inspect`
/// write it, or the bare job object of `GET /v1/job/:id`), rewritten into the HCL-as-JSON form the
/// decoder reads: `{"job": {"ID": {"type": ..., "group": [{"NAME": {...}}]}}}`. Keys and values keep
/// their positions, so every later problem points into the file as written.
///
/// What the API form says beyond the job language is never dropped unseen: `null`, Go's zero values
/// (`""`, `false`, `0`, empty lists and objects) and the defaults Nomad fills in itself (node pool
/// `default`, the default update, migrate and reschedule policies, a
/// 300 MB ephemeral disk) mean "not asked for"; any other value of a field corral does not take is
/// refused as unsupported, named as in HCL; the server's bookkeeping (`Status`, `Version`,
/// `SubmitTime`, the indexes...) is not a request and is passed over.
enum NomadAPIJob {
    /// Whether `items` (the file's top object) is the API form: one `Job` member, or a bare job
    /// with `TaskGroups`.
    static func isAPIForm(_ items: [HCLObjectItem]) -> Bool {
        if items.contains(where: { $0.key == "TaskGroups" }) { return true }
        // `{"Job": {"web": {...}}}` is the HCL-as-JSON form with a typo, not the API form: only a
        // `Job` that holds the API's own fields is.
        guard let job = items.first(where: { $0.key == "Job" }), case .object(let members) = job.value.kind else { return false }
        let apiFields = fields(.job)
        return members.contains { apiFields[$0.key] != nil }
    }

    /// The HCL-as-JSON items of the file's top object; problems go to `diagnostics`.
    static func convert(_ items: [HCLObjectItem], at range: SourceRange,
                        diagnostics: inout DiagnosticCollector) -> [HCLObjectItem] {
        let job: HCLExpression
        if let wrapped = items.first(where: { $0.key == "Job" }) {
            for other in items where other.key != "Job" {
                diagnostics.error("unknown key \(quoted(other.key)) beside \"Job\" in Nomad's API form", at: other.keyRange.start)
            }
            for extra in items.filter({ $0.key == "Job" }).dropFirst() {
                diagnostics.error("only one \"Job\" is allowed (the first is at \(wrapped.keyRange.start))", at: extra.keyRange.start)
            }
            job = wrapped.value
        } else {
            job = HCLExpression(.object(items), range: range)
        }
        guard case .object(let members) = job.kind else {
            diagnostics.error("Job: expected an object, got \(job.kindDescription)", at: job.range.start)
            return []
        }
        var converter = Converter(diagnostics: diagnostics)
        let name = converter.label(of: members, keys: ["ID", "Name"], what: "Job", at: job.range.start)
        // corral's job has one name, its ID (as in HCL, where the label is both).
        if let id = name, let other = members.first(where: { $0.key == "Name" }), case .string(let text) = other.value.kind,
           !text.isEmpty, text != id.key {
            converter.diagnostics.error("Name \(quoted(text)) differs from ID \(quoted(id.key)): corral names a job by its ID; "
                                        + "give both the same value", at: other.value.range.start)
        }
        let body = converter.body(members, level: .job, context: "Job")
        diagnostics = converter.diagnostics
        let label = name ?? HCLObjectItem(key: "", keyRange: job.range, value: job)
        return [HCLObjectItem(key: "job", keyRange: SourceRange(start: job.range.start, end: job.range.start),
                              value: HCLExpression(.object([HCLObjectItem(key: label.key, keyRange: label.keyRange,
                                                                          value: HCLExpression(.object(body), range: job.range))]),
                                                   range: job.range))]
    }

    enum Level { case job, group, task, resources, restart, logs, constraint, affinity, spread, spreadTarget }

    /// One field of the API form: where it goes in the job language.
    enum Field {
        /// An attribute or map block of the same value (`"Type"` → `type`, `"Meta"` → `meta`).
        case rename(String)
        /// A nested object read at another level (`"Resources"` → `resources { ... }`).
        case nested(String, Level)
        /// A list of named objects (`"TaskGroups"` → `group`, `"Tasks"` → `task`).
        case named(String, Level)
        /// A list of unnamed objects, each a block of its own (`"Constraints"` → `constraint`).
        case listed(String, Level)
        /// A value whose zero (or, in Nomad's defaults, listed) form means unset; anything else is
        /// refused as the HCL stanza it stands for.
        case unsupported(hcl: String, defaults: [HCLValue])
        /// The server's record, not a request.
        case bookkeeping
        /// The label (already read).
        case label
    }

    /// A plain value Nomad fills in by default, to compare a field's value with.
    indirect enum HCLValue: Equatable, Sendable {
        case string(String), number(Double), bool(Bool), list([HCLValue]), object([String: HCLValue])
    }

    static func fields(_ level: Level) -> [String: Field] {
        switch level {
        case .job:
            return [
                "ID": .label, "Name": .label, "Type": .rename("type"), "Region": .rename("region"),
                "Datacenters": .rename("datacenters"), "Meta": .rename("meta"), "TaskGroups": .named("group", .group),
                "Priority": .rename("priority"),
                "Namespace": .rename("namespace"),
                "NodePool": .unsupported(hcl: "node_pool", defaults: [.string("default")]),
                "AllAtOnce": .unsupported(hcl: "all_at_once", defaults: []),
                "Constraints": .listed("constraint", .constraint),
                "Affinities": .listed("affinity", .affinity),
                "Spreads": .listed("spread", .spread),
                "Update": .unsupported(hcl: "update", defaults: [defaultUpdate]),
                "Multiregion": .unsupported(hcl: "multiregion", defaults: []),
                "Periodic": .unsupported(hcl: "periodic", defaults: []),
                "ParameterizedJob": .unsupported(hcl: "parameterized", defaults: []),
                "Reschedule": .unsupported(hcl: "reschedule", defaults: []),
                "Migrate": .unsupported(hcl: "migrate", defaults: []),
                "ConsulToken": .unsupported(hcl: "consul_token", defaults: []),
                "VaultToken": .unsupported(hcl: "vault_token", defaults: []),
                "ConsulNamespace": .unsupported(hcl: "consul", defaults: []),
                "VaultNamespace": .unsupported(hcl: "vault", defaults: []),
                "UI": .unsupported(hcl: "ui", defaults: []),
                "Stop": .unsupported(hcl: "stop", defaults: []),
                "Status": .bookkeeping, "StatusDescription": .bookkeeping, "Stable": .bookkeeping, "Version": .bookkeeping,
                "SubmitTime": .bookkeeping, "CreateIndex": .bookkeeping, "ModifyIndex": .bookkeeping,
                "JobModifyIndex": .bookkeeping, "ParentID": .bookkeeping, "Dispatched": .bookkeeping,
                "DispatchIdempotencyToken": .bookkeeping, "Payload": .bookkeeping, "NomadTokenID": .bookkeeping,
                "VersionTag": .bookkeeping,
            ]
        case .group:
            return [
                "Name": .label, "Count": .rename("count"), "Meta": .rename("meta"),
                "RestartPolicy": .nested("restart", .restart), "Tasks": .named("task", .task),
                "Constraints": .listed("constraint", .constraint),
                "Affinities": .listed("affinity", .affinity),
                "Spreads": .listed("spread", .spread),
                "Volumes": .unsupported(hcl: "volume", defaults: []),
                "ReschedulePolicy": .unsupported(hcl: "reschedule", defaults: [defaultServiceReschedule, defaultBatchReschedule]),
                "EphemeralDisk": .unsupported(hcl: "ephemeral_disk", defaults: [.object(["SizeMB": .number(300)])]),
                "Update": .unsupported(hcl: "update", defaults: [defaultUpdate]),
                "Migrate": .unsupported(hcl: "migrate", defaults: [defaultMigrate]),
                "Networks": .unsupported(hcl: "network", defaults: []),
                "Services": .unsupported(hcl: "service", defaults: []),
                "ShutdownDelay": .unsupported(hcl: "shutdown_delay", defaults: []),
                "StopAfterClientDisconnect": .unsupported(hcl: "stop_after_client_disconnect", defaults: []),
                "MaxClientDisconnect": .unsupported(hcl: "max_client_disconnect", defaults: []),
                "Disconnect": .unsupported(hcl: "disconnect", defaults: []),
                "PreventRescheduleOnLost": .unsupported(hcl: "prevent_reschedule_on_lost", defaults: []),
                "Scaling": .unsupported(hcl: "scaling", defaults: []),
                "Consul": .unsupported(hcl: "consul", defaults: []),
            ]
        case .task:
            return [
                "Name": .label, "Driver": .rename("driver"), "User": .rename("user"), "Config": .rename("config"),
                "Env": .rename("env"), "Meta": .rename("meta"), "Resources": .nested("resources", .resources),
                "RestartPolicy": .nested("restart", .restart), "KillTimeout": .rename("kill_timeout"),
                "KillSignal": .rename("kill_signal"), "ShutdownDelay": .rename("shutdown_delay"), "Leader": .rename("leader"),
                "LogConfig": .nested("logs", .logs),
                "Constraints": .listed("constraint", .constraint),
                "Affinities": .listed("affinity", .affinity),
                "Services": .unsupported(hcl: "service", defaults: []),
                "Templates": .unsupported(hcl: "template", defaults: []),
                "Artifacts": .unsupported(hcl: "artifact", defaults: []),
                "Vault": .unsupported(hcl: "vault", defaults: []),
                "Consul": .unsupported(hcl: "consul", defaults: []),
                "DispatchPayload": .unsupported(hcl: "dispatch_payload", defaults: []),
                "VolumeMounts": .unsupported(hcl: "volume_mount", defaults: []),
                "Lifecycle": .unsupported(hcl: "lifecycle", defaults: []),
                "Identity": .unsupported(hcl: "identity", defaults: []),
                "Identities": .unsupported(hcl: "identity", defaults: []),
                "ScalingPolicies": .unsupported(hcl: "scaling", defaults: []),
                "CSIPluginConfig": .unsupported(hcl: "csi_plugin", defaults: []),
                "Kind": .unsupported(hcl: "kind", defaults: []),
                "Actions": .unsupported(hcl: "action", defaults: []),
                "Schedule": .unsupported(hcl: "schedule", defaults: []),
            ]
        case .resources:
            return [
                "CPU": .rename("cpu"), "MemoryMB": .rename("memory"), "MemoryMaxMB": .rename("memory_max"),
                "Cores": .rename("cores"),
                "DiskMB": .unsupported(hcl: "disk", defaults: []), "IOPS": .unsupported(hcl: "iops", defaults: []),
                "Networks": .unsupported(hcl: "network", defaults: []), "Devices": .unsupported(hcl: "device", defaults: []),
                "NUMA": .unsupported(hcl: "numa", defaults: []), "SecretsMB": .unsupported(hcl: "secrets", defaults: []),
            ]
        case .restart:
            return [
                "Attempts": .rename("attempts"), "Interval": .rename("interval"), "Delay": .rename("delay"),
                "Mode": .rename("mode"), "RenderTemplates": .unsupported(hcl: "render_templates", defaults: []),
            ]
        case .constraint:
            return ["LTarget": .rename("attribute"), "RTarget": .rename("value"), "Operand": .rename("operator")]
        case .affinity:
            return ["LTarget": .rename("attribute"), "RTarget": .rename("value"), "Operand": .rename("operator"),
                    "Weight": .rename("weight")]
        case .spread:
            return ["Attribute": .rename("attribute"), "Weight": .rename("weight"), "SpreadTarget": .named("target", .spreadTarget)]
        case .spreadTarget:
            return ["Value": .label, "Percent": .rename("percent")]
        case .logs:
            return [
                "MaxFiles": .rename("max_files"), "MaxFileSizeMB": .rename("max_file_size"),
                "Disabled": .unsupported(hcl: "disabled", defaults: []),
                "Enabled": .unsupported(hcl: "enabled", defaults: [.bool(true)]),
            ]
        }
    }

    /// Nomad's default `update` (a service job's, copied into each group).
    static let defaultUpdate = HCLValue.object([
        "Stagger": .number(30e9), "MaxParallel": .number(1), "HealthCheck": .string("checks"),
        "MinHealthyTime": .number(10e9), "HealthyDeadline": .number(300e9), "ProgressDeadline": .number(600e9),
    ])
    static let defaultMigrate = HCLValue.object([
        "MaxParallel": .number(1), "HealthCheck": .string("checks"), "MinHealthyTime": .number(10e9),
        "HealthyDeadline": .number(300e9),
    ])
    static let defaultServiceReschedule = HCLValue.object([
        "Delay": .number(30e9), "DelayFunction": .string("exponential"), "MaxDelay": .number(3600e9), "Unlimited": .bool(true),
    ])
    static let defaultBatchReschedule = HCLValue.object([
        "Attempts": .number(1), "Interval": .number(86400e9), "Delay": .number(5e9), "DelayFunction": .string("constant"),
    ])

    /// Walks one object of the API form.
    struct Converter {
        var diagnostics: DiagnosticCollector

        /// The first of `keys` holding a non-empty string, as a member keyed by it (at the value).
        mutating func label(of members: [HCLObjectItem], keys: [String], what: String,
                            at position: SourcePosition) -> HCLObjectItem? {
            for key in keys {
                guard let member = members.first(where: { $0.key == key }) else { continue }
                if case .string(let text) = member.value.kind, !text.isEmpty {
                    return HCLObjectItem(key: text, keyRange: member.value.range, value: member.value)
                }
            }
            diagnostics.error("\(what): missing \(keys.joined(separator: " or "))", at: position)
            return nil
        }

        /// The members of one object at `level`, in the job language's names.
        mutating func body(_ members: [HCLObjectItem], level: Level, context: String) -> [HCLObjectItem] {
            let table = NomadAPIJob.fields(level)
            var result: [HCLObjectItem] = []
            var seen: [String: SourcePosition] = [:]
            for member in members {
                if let first = seen[member.key] {
                    diagnostics.error("duplicate field \(quoted(member.key)) in \(context) (first at \(first))", at: member.keyRange.start)
                    continue
                }
                seen[member.key] = member.keyRange.start
                guard let field = table[member.key] else {
                    diagnostics.error("unknown field \(quoted(member.key)) in \(context) (Nomad's API form)", at: member.keyRange.start)
                    continue
                }
                if case .null = member.value.kind { continue }
                switch field {
                case .label, .bookkeeping:
                    continue
                case .rename(let name):
                    // Go's empty string or list is "not set" for the fields the API always writes.
                    if case .string("") = member.value.kind, ["user", "kill_signal", "namespace"].contains(name) { continue }
                    if case .list(let items) = member.value.kind, items.isEmpty, name == "datacenters" { continue }
                    if case .number(let number, _) = member.value.kind, number == 0, name == "priority" { continue }
                    result.append(HCLObjectItem(key: name, keyRange: member.keyRange, value: member.value))
                case .nested(let name, let inner):
                    guard case .object(let innerMembers) = member.value.kind else {
                        diagnostics.error("\(member.key): expected an object, got \(member.value.kindDescription)",
                                          at: member.value.range.start)
                        continue
                    }
                    let converted = body(innerMembers, level: inner, context: "\(member.key) of \(context)")
                    result.append(HCLObjectItem(key: name, keyRange: member.keyRange,
                                                value: HCLExpression(.object(converted), range: member.value.range)))
                case .named(let name, let inner):
                    guard case .list(let elements) = member.value.kind else {
                        diagnostics.error("\(member.key): expected a list, got \(member.value.kindDescription)",
                                          at: member.value.range.start)
                        continue
                    }
                    var named: [HCLExpression] = []
                    for element in elements {
                        guard case .object(let elementMembers) = element.kind else {
                            diagnostics.error("\(member.key): expected objects, got \(element.kindDescription)", at: element.range.start)
                            continue
                        }
                        let what = "\(member.key) element"
                        let keys = inner == .spreadTarget ? ["Value"] : ["Name"]
                        guard let label = label(of: elementMembers, keys: keys, what: what, at: element.range.start) else { continue }
                        let converted = body(elementMembers, level: inner, context: "\(inner) \(quoted(label.key))")
                        named.append(HCLExpression(.object([HCLObjectItem(key: label.key, keyRange: label.keyRange,
                                                                          value: HCLExpression(.object(converted), range: element.range))]),
                                                   range: element.range))
                    }
                    result.append(HCLObjectItem(key: name, keyRange: member.keyRange,
                                                value: HCLExpression(.list(named), range: member.value.range)))
                case .listed(let name, let inner):
                    guard case .list(let elements) = member.value.kind else {
                        diagnostics.error("\(member.key): expected a list, got \(member.value.kindDescription)",
                                          at: member.value.range.start)
                        continue
                    }
                    var blocks: [HCLExpression] = []
                    for element in elements {
                        guard case .object(let elementMembers) = element.kind else {
                            diagnostics.error("\(member.key): expected objects, got \(element.kindDescription)", at: element.range.start)
                            continue
                        }
                        blocks.append(HCLExpression(.object(body(elementMembers, level: inner, context: "\(name) of \(context)")),
                                                    range: element.range))
                    }
                    if !blocks.isEmpty {
                        result.append(HCLObjectItem(key: name, keyRange: member.keyRange,
                                                    value: HCLExpression(.list(blocks), range: member.value.range)))
                    }
                case .unsupported(let hcl, let defaults):
                    if NomadAPIJob.isUnset(member.value, defaults: defaults) { continue }
                    // The meaning at this field's own level (a dictionary's order must not pick it).
                    let meaning = NomadStanzas.table["\(level)"]?[hcl]
                    diagnostics.error("corral does not support \(quoted(member.key)) (\(hcl)) in \(context)"
                                      + (meaning.map { " (Nomad: \($0))" } ?? ""), at: member.keyRange.start)
                }
            }
            return result
        }
    }

    /// Null, a zero value, or one of Nomad's defaults: nothing asked for.
    static func isUnset(_ value: HCLExpression, defaults: [HCLValue]) -> Bool {
        if isZero(value) { return true }
        return defaults.contains { matches(value, $0) }
    }

    static func isZero(_ value: HCLExpression) -> Bool {
        switch value.kind {
        case .null: true
        case .bool(let flag): !flag
        case .string(let text): text.isEmpty
        case .number(let number, _): number == 0
        case .list(let elements): elements.isEmpty
        case .object(let members): members.allSatisfy { isZero($0.value) }
        case .unevaluated: false
        }
    }

    /// `value` is `expected`, members left out of `expected` being zero in `value`.
    static func matches(_ value: HCLExpression, _ expected: HCLValue) -> Bool {
        switch (value.kind, expected) {
        case (.string(let a), .string(let b)): return a == b
        case (.number(let a, _), .number(let b)): return a == b
        case (.bool(let a), .bool(let b)): return a == b
        case (.list(let a), .list(let b)): return a.count == b.count && zip(a, b).allSatisfy { matches($0, $1) }
        case (.object(let members), .object(let expectedMembers)):
            return members.allSatisfy { member in
                expectedMembers[member.key].map { matches(member.value, $0) } ?? isZero(member.value)
            }
        default: return false
        }
    }
}

extension NomadAPIJob.Level: CustomStringConvertible {
    var description: String {
        switch self {
        case .job: "job"
        case .group: "group"
        case .task: "task"
        case .resources: "resources"
        case .restart: "restart"
        case .logs: "logs"
        case .constraint: "constraint"
        case .affinity: "affinity"
        case .spread: "spread"
        case .spreadTarget: "target"
        }
    }
}
