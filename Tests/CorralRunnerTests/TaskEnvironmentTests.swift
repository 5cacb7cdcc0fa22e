import CorralDriver
@testable import CorralRunner
import Testing

/// The task's environment (Nomad's variables, meta, the task's own env) and `${...}` against it.
struct TaskEnvironmentTests {
    static let allocID = "8f2c1d7e-3b4a-4e5f-9a6b-7c8d9e0f1a2b"

    static func task(env: [String: String] = [:], meta: [String: String] = [:], memoryMaxMiB: Int? = nil,
                     config: DriverConfig = [:]) -> TaskSpec {
        TaskSpec(name: "server", driver: "exec", config: config, env: env, meta: meta,
                 resources: TaskResourceSpec(cpuMHz: 500, memoryMiB: 256, memoryMaxMiB: memoryMaxMiB))
    }

    static func allocation(task: TaskSpec, jobMeta: [String: String] = [:], groupMeta: [String: String] = [:],
                           region: String = "europe") -> Allocation {
        let group = TaskGroup(name: "web", count: 3, meta: groupMeta, tasks: [task])
        let job = Job(id: "shop-api", name: "shop", type: .service, region: region, datacenters: ["fra1"],
                      meta: jobMeta, groups: [group])
        return Allocation(id: allocID, job: job, groupName: "web", index: 2)
    }

    static let node = NodeInfo(id: "5b1e6c1a-0000-4000-8000-00000000abcd", name: "worker-07", datacenter: "fra1",
                               region: "eu-node-region", nodeClass: "compute",
                               attributes: ["kernel.name": "linux", "cpu.totalcompute": "8000"],
                               meta: ["rack": "r12", "zone-id": "z3"])

    static let directory = TaskDirectory(allocRoot: "/var/lib/corral/alloc/", allocID: allocID, task: "server")

    static func environment(task: TaskSpec = task(), jobMeta: [String: String] = [:],
                            groupMeta: [String: String] = [:], region: String = "europe",
                            node: NodeInfo = node, fsIsolated: Bool = true,
                            extra: [String: String] = [:]) -> TaskEnvironment {
        TaskEnvironment(allocation: allocation(task: task, jobMeta: jobMeta, groupMeta: groupMeta, region: region),
                        task: task, node: node, directory: directory, fsIsolated: fsIsolated, extra: extra)
    }

    // MARK: Nomad's variables

    @Test func everyNomadVariableHasItsValueWhenTheFilesystemIsIsolated() {
        let env = Self.environment(task: Self.task(memoryMaxMiB: 512))
        #expect(env.variables == [
            "NOMAD_ALLOC_DIR": "/alloc",
            "NOMAD_TASK_DIR": "/local",
            "NOMAD_SECRETS_DIR": "/secrets",
            "NOMAD_MEMORY_LIMIT": "256",
            "NOMAD_MEMORY_MAX_LIMIT": "512",
            "NOMAD_CPU_LIMIT": "500",
            "NOMAD_ALLOC_ID": "8f2c1d7e-3b4a-4e5f-9a6b-7c8d9e0f1a2b",
            "NOMAD_SHORT_ALLOC_ID": "8f2c1d7e",
            "NOMAD_ALLOC_NAME": "shop.web[2]",
            "NOMAD_ALLOC_INDEX": "2",
            "NOMAD_TASK_NAME": "server",
            "NOMAD_GROUP_NAME": "web",
            "NOMAD_JOB_NAME": "shop",
            "NOMAD_JOB_ID": "shop-api",
            "NOMAD_DC": "fra1",
            "NOMAD_REGION": "europe",
            "NOMAD_NAMESPACE": "default",
        ])
        #expect(env.unknownKeys.isEmpty)
    }

    @Test func theDirectoriesAreTheHostPathsWithoutIsolation() {
        let env = Self.environment(fsIsolated: false)
        let base = "/var/lib/corral/alloc/8f2c1d7e-3b4a-4e5f-9a6b-7c8d9e0f1a2b"
        #expect(env.variables["NOMAD_ALLOC_DIR"] == base + "/alloc")
        #expect(env.variables["NOMAD_TASK_DIR"] == base + "/server/local")
        #expect(env.variables["NOMAD_SECRETS_DIR"] == base + "/server/secrets")
        // The rest does not depend on isolation.
        #expect(env.variables["NOMAD_ALLOC_NAME"] == "shop.web[2]")
        #expect(env.variables.count == 16)
    }

    @Test func theMemoryMaxLimitIsOnlySetWithAMaximum() {
        let env = Self.environment()
        #expect(env.variables["NOMAD_MEMORY_LIMIT"] == "256")
        #expect(env.variables["NOMAD_MEMORY_MAX_LIMIT"] == nil)
        #expect(env.lookup("NOMAD_MEMORY_MAX_LIMIT") == nil)
    }

    @Test func theRegionFallsBackToTheNodesWhenTheJobHasNone() {
        #expect(Self.environment(region: "").variables["NOMAD_REGION"] == "eu-node-region")
        #expect(Self.environment(region: "global").variables["NOMAD_REGION"] == "eu-node-region", "Nomad's default region")
        #expect(Self.environment(region: "us").variables["NOMAD_REGION"] == "us")
    }

    // MARK: Meta

    @Test func metaMergesJobThenGroupThenTaskUnderBothKeyForms() {
        let env = Self.environment(
            task: Self.task(meta: ["owner": "task-team", "tier": "gold"]),
            jobMeta: ["owner": "job-team", "cost": "c1", "version": "1"],
            groupMeta: ["owner": "group-team", "version": "2"])
        #expect(env.meta == ["owner": "task-team", "tier": "gold", "cost": "c1", "version": "2"])
        #expect(env.variables["NOMAD_META_OWNER"] == "task-team")
        #expect(env.variables["NOMAD_META_owner"] == "task-team")
        #expect(env.variables["NOMAD_META_VERSION"] == "2")
        #expect(env.variables["NOMAD_META_version"] == "2")
        #expect(env.variables["NOMAD_META_COST"] == "c1")
        #expect(env.variables["NOMAD_META_cost"] == "c1")
        #expect(env.variables["NOMAD_META_TIER"] == "gold")
        #expect(env.variables["NOMAD_META_tier"] == "gold")
        #expect(env.variables.keys.filter { $0.hasPrefix("NOMAD_META_") }.count == 8)
    }

    @Test func metaKeysWithOtherCharactersAreCleanedInTheVariableName() {
        let env = Self.environment(task: Self.task(meta: ["rack-id": "r7", "build.sha": "abc123", "Mixed_9": "m"]))
        #expect(env.variables["NOMAD_META_RACK_ID"] == "r7")
        #expect(env.variables["NOMAD_META_rack_id"] == "r7")
        #expect(env.variables["NOMAD_META_BUILD_SHA"] == "abc123")
        #expect(env.variables["NOMAD_META_build_sha"] == "abc123")
        #expect(env.variables["NOMAD_META_MIXED_9"] == "m")
        #expect(env.variables["NOMAD_META_Mixed_9"] == "m")
        #expect(env.variables["NOMAD_META_rack-id"] == nil)
        // Interpolation also takes the meta key as written.
        #expect(env.lookup("NOMAD_META_rack-id") == "r7")
        #expect(env.lookup("NOMAD_META_build.sha") == "abc123")
        #expect(env.lookup("NOMAD_META_RACK_ID") == "r7")
        #expect(env.lookup("NOMAD_META_nope") == nil)
    }

    // MARK: The task's env

    @Test func theTasksEnvReferencesNomadVariablesAndNodeValues() {
        let env = Self.environment(task: Self.task(env: [
            "PATH": "${NOMAD_TASK_DIR}/bin:/usr/bin",
            "WHERE": "${node.unique.name}/${node.datacenter}/${attr.kernel.name}/${meta.rack}",
            "ALLOC": "${NOMAD_ALLOC_NAME}",
            "OWNER": "${NOMAD_META_owner}",
            "LITERAL": "$${NOMAD_TASK_DIR}",
        ], meta: ["owner": "ops"]))
        #expect(env.variables["PATH"] == "/local/bin:/usr/bin")
        #expect(env.variables["WHERE"] == "worker-07/fra1/linux/r12")
        #expect(env.variables["ALLOC"] == "shop.web[2]")
        #expect(env.variables["OWNER"] == "ops")
        #expect(env.variables["LITERAL"] == "${NOMAD_TASK_DIR}")
        #expect(env.unknownKeys.isEmpty)
    }

    @Test func theTasksEnvOverridesANomadVariable() {
        let env = Self.environment(task: Self.task(env: [
            "NOMAD_CPU_LIMIT": "9999",
            "NOMAD_TASK_DIR": "${NOMAD_TASK_DIR}/override",
        ]))
        #expect(env.variables["NOMAD_CPU_LIMIT"] == "9999")
        // Its value was interpolated against Nomad's value.
        #expect(env.variables["NOMAD_TASK_DIR"] == "/local/override")
        #expect(env.lookup("NOMAD_TASK_DIR") == "/local/override")
    }

    @Test func theTasksEnvDoesNotReferenceItsOwnEntries() {
        let env = Self.environment(task: Self.task(env: ["A": "a", "B": "${A}-b"]))
        #expect(env.variables["A"] == "a")
        #expect(env.variables["B"] == "${A}-b")
        #expect(env.unknownKeys == ["A"])
    }

    @Test func extraVariablesComeBeforeTheTasksEnvAndOverrideNomads() {
        let env = Self.environment(
            task: Self.task(env: ["VISIBLE": "${NVIDIA_VISIBLE_DEVICES}", "SHARED": "task"]),
            extra: ["NVIDIA_VISIBLE_DEVICES": "GPU-1,GPU-2", "SHARED": "hook", "NOMAD_DC": "hook-dc",
                    "RAW": "${not.interpolated}"])
        #expect(env.variables["VISIBLE"] == "GPU-1,GPU-2")
        #expect(env.variables["NVIDIA_VISIBLE_DEVICES"] == "GPU-1,GPU-2")
        #expect(env.variables["SHARED"] == "task")
        #expect(env.variables["NOMAD_DC"] == "hook-dc")
        #expect(env.variables["RAW"] == "${not.interpolated}")
        #expect(env.unknownKeys.isEmpty)
    }

    @Test func unknownKeysInTheTasksEnvAreLeftAsWrittenAndCollectedOnce() {
        let env = Self.environment(task: Self.task(env: [
            "A": "${foo}:${NOMAD_JOB_ID}",
            "B": "${meta.missing} ${foo}",
            "C": "${attr.nope}",
        ]))
        #expect(env.variables["A"] == "${foo}:shop-api")
        #expect(env.variables["B"] == "${meta.missing} ${foo}")
        #expect(env.variables["C"] == "${attr.nope}")
        #expect(env.unknownKeys == ["foo", "meta.missing", "attr.nope"])
        #expect(TaskEnvironment.warning(unknown: env.unknownKeys)
            == "Unknown interpolation keys left as written: ${foo}, ${meta.missing}, ${attr.nope}")
    }

    // MARK: Lookup

    @Test func lookupResolvesEveryForm() {
        let env = Self.environment(task: Self.task(env: ["GREETING": "hello"], meta: ["team": "core"]))
        #expect(env.lookup("NOMAD_TASK_DIR") == "/local")
        #expect(env.lookup("GREETING") == "hello")
        #expect(env.lookup("env.GREETING") == "hello")
        #expect(env.lookup("env.NOMAD_ALLOC_ID") == Self.allocID)
        #expect(env.lookup("env.MISSING") == nil)
        #expect(env.lookup("node.unique.id") == "5b1e6c1a-0000-4000-8000-00000000abcd")
        #expect(env.lookup("node.unique.name") == "worker-07")
        #expect(env.lookup("node.datacenter") == "fra1")
        #expect(env.lookup("node.region") == "eu-node-region")
        #expect(env.lookup("node.class") == "compute")
        #expect(env.lookup("attr.kernel.name") == "linux")
        #expect(env.lookup("attr.cpu.totalcompute") == "8000")
        #expect(env.lookup("attr.missing") == nil)
        // `meta.*` is the node's meta, not the job's.
        #expect(env.lookup("meta.rack") == "r12")
        #expect(env.lookup("meta.zone-id") == "z3")
        #expect(env.lookup("meta.team") == nil)
        #expect(env.lookup("NOMAD_META_team") == "core")
        #expect(env.lookup("NOMAD_META_TEAM") == "core")
        #expect(env.lookup("node.unique.other") == nil)
        #expect(env.lookup("nothing") == nil)
    }

    // MARK: Interpolating the driver config

    @Test func theDriverConfigsArgsGetTheTaskDirAndTheTasksEnv() {
        let env = Self.environment(task: Self.task(env: ["PORT": "8080"]), fsIsolated: false)
        let config: DriverConfig = [
            "command": .string("${NOMAD_TASK_DIR}/server"),
            "args": .list([
                .string("--config=${NOMAD_TASK_DIR}/server.hcl"),
                .string("--listen=:${env.PORT}"),
                .string("--secrets=${NOMAD_SECRETS_DIR}"),
                .string("--node=${node.unique.name}"),
                .string("--unknown=${foo}"),
                .string("--escaped=$${NOMAD_TASK_DIR}"),
            ]),
            "cap_add": .list([]),
            "pids_limit": .integer(64),
        ]
        let (result, unknown) = env.interpolate(config)
        let local = "/var/lib/corral/alloc/8f2c1d7e-3b4a-4e5f-9a6b-7c8d9e0f1a2b/server/local"
        let secrets = "/var/lib/corral/alloc/8f2c1d7e-3b4a-4e5f-9a6b-7c8d9e0f1a2b/server/secrets"
        #expect(result == [
            "command": .string(local + "/server"),
            "args": .list([
                .string("--config=\(local)/server.hcl"),
                .string("--listen=:8080"),
                .string("--secrets=\(secrets)"),
                .string("--node=worker-07"),
                .string("--unknown=${foo}"),
                .string("--escaped=${NOMAD_TASK_DIR}"),
            ]),
            "cap_add": .list([]),
            "pids_limit": .integer(64),
        ])
        #expect(unknown == ["foo"])
    }

    @Test func nestedBlocksAndListsInTheConfigAreInterpolated() {
        let env = Self.environment()
        let config: DriverConfig = [
            "mount": .list([
                .object(["source": .string("${NOMAD_ALLOC_DIR}/data"), "target": .string("/data"),
                         "readonly": .bool(true)]),
                .object(["source": .string("${meta.rack}"), "options": .list([.string("${attr.kernel.name}")])]),
            ]),
            "labels": .object(["job": .string("${NOMAD_JOB_NAME}"), "inner": .object(["x": .string("${y}")])]),
        ]
        let (result, unknown) = env.interpolate(config)
        #expect(result == [
            "mount": .list([
                .object(["source": .string("/alloc/data"), "target": .string("/data"), "readonly": .bool(true)]),
                .object(["source": .string("r12"), "options": .list([.string("linux")])]),
            ]),
            "labels": .object(["job": .string("shop"), "inner": .object(["x": .string("${y}")])]),
        ])
        #expect(unknown == ["y"])
    }

    @Test func interpolatingTextUsesTheEnvironment() {
        let env = Self.environment(task: Self.task(env: ["X": "42"]))
        let (text, unknown) = env.interpolate("${env.X} ${X} ${NOMAD_SHORT_ALLOC_ID} ${meta.rack} ${nope} ${NOMAD_TASK_DIR")
        #expect(text == "42 42 8f2c1d7e r12 ${nope} ${NOMAD_TASK_DIR")
        #expect(unknown == ["nope"])
    }

    // MARK: Warning

    @Test func theWarningNamesEveryUnknownKeyOnce() {
        #expect(TaskEnvironment.warning(unknown: []) == nil)
        #expect(TaskEnvironment.warning(unknown: ["foo"]) == "Unknown interpolation keys left as written: ${foo}")
        #expect(TaskEnvironment.warning(unknown: ["foo", "meta.missing", "foo"])
            == "Unknown interpolation keys left as written: ${foo}, ${meta.missing}")
    }

    @Test func environmentsBuiltAlikeAreEqual() {
        #expect(Self.environment() == Self.environment())
        #expect(Self.environment() != Self.environment(fsIsolated: false))
    }
}
