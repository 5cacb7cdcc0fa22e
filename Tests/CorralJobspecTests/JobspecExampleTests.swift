import CorralDriver
import CorralJobspec
import CorralRunner
import Testing

@Suite("Jobspec examples")
struct JobspecExampleTests {
    /// What each example must decode to.
    static let expected: [String: Job] = {
        func exec(_ name: String, args: [String], extra: DriverConfig = [:], memory: Int, cpu: Int = 100,
                  leader: Bool = false, killTimeout: Duration = .seconds(5)) -> TaskSpec {
            var config: DriverConfig = ["command": .string("/bin/sh"), "args": .list(args.map(ConfigValue.string))]
            config.merge(extra) { $1 }
            return TaskSpec(name: name, driver: "exec", config: config,
                            resources: TaskResourceSpec(cpuMHz: cpu, memoryMiB: memory), killTimeout: killTimeout, leader: leader)
        }
        return [
            "hello": Job(id: "hello", type: .batch, groups: [TaskGroup(name: "greet", tasks: [
                exec("say", args: ["-c", "echo \"hello from ${NOMAD_TASK_NAME} in $(hostname)\""], memory: 64),
            ])]),
            "cpu-limit": Job(id: "spinner", type: .batch, groups: [TaskGroup(name: "g", tasks: [
                exec("spin", args: ["-c", "timeout 2 sh -c 'while :; do :; done'; echo spun"],
                     extra: ["cpu_hard_limit": .bool(true)], memory: 32, cpu: 200),
            ])]),
            "devices-mounts": Job(id: "io", type: .batch, groups: [TaskGroup(name: "g", tasks: [
                exec("check", args: ["-c", """
                    test -c /dev/host-full && echo "device /dev/host-full is here"
                    head -n 1 /mnt/os-release
                    touch /mnt/os-release 2>/dev/null || echo "the mount is read-only"

                    """],
                     extra: [
                        "devices": .list([.object([
                            "host_path": .string("/dev/full"), "container_path": .string("/dev/host-full"),
                            "cgroup_permissions": .string("rw"),
                        ])]),
                        "mounts": .list([.object([
                            "type": .string("bind"), "source": .string("/etc/os-release"),
                            "target": .string("/mnt/os-release"), "readonly": .bool(true),
                        ])]),
                     ], memory: 32),
            ])]),
            "leader": Job(id: "pipeline", type: .batch, groups: [TaskGroup(name: "g", tasks: [
                exec("main", args: ["-c", "echo working; sleep 1; echo done"], memory: 32, leader: true),
                exec("sidecar", args: ["-c", "trap 'echo sidecar stopping; exit 0' TERM; while :; do sleep 0.1; done"],
                     memory: 32, killTimeout: .seconds(2)),
            ])]),
            "oom": Job(id: "hungry", type: .batch, groups: [TaskGroup(
                name: "g",
                restart: RestartPolicy(attempts: 0, interval: .seconds(24 * 3600), delay: .seconds(15), mode: .fail),
                tasks: [exec("eat", args: ["-c", "head -c 256m /dev/zero | tail -n 1 > /dev/null; status=$?; echo tail exited with $status; exit $status"], memory: 32)])]),
            "restart": Job(id: "flaky", type: .service, groups: [TaskGroup(
                name: "api", restart: RestartPolicy(attempts: 2, interval: .seconds(60), delay: .seconds(1), mode: .fail),
                tasks: [exec("server", args: ["-c", "echo starting; sleep 0.2; echo 'cannot bind' >&2; exit 1"], memory: 32)])]),
            "seccomp": Job(id: "confined", type: .batch, groups: [TaskGroup(name: "g", tasks: [
                exec("try", args: ["-c", "mkdir /tmp/new 2>/dev/null && echo 'mkdir allowed' || echo 'mkdir denied'"],
                     extra: ["seccomp_profile": .string("seccomp/deny-mkdir.json")], memory: 32),
            ])]),
        ]
    }()

    @Test("every examples/<name>.hcl has its examples/<name>.json, and an expected job here")
    func everyExampleCovered() {
        #expect(!Examples.names.isEmpty)
        #expect(Set(Examples.names) == Set(Self.expected.keys))
    }

    @Test("examples/<name>.json decodes to the expected job", arguments: Examples.names)
    func json(name: String) throws {
        let job = try Jobspec.load(path: Examples.path(name, "json"), drivers: Drivers.all)
        let expected = try #require(Self.expected[name])
        #expect(job == expected)
        // Field by field too, so a difference is easy to read.
        #expect(job.id == expected.id)
        #expect(job.type == expected.type)
        #expect(job.datacenters == ["*"], "Nomad's default: every datacenter")
        #expect(job.region == "global")
        #expect(job.groups.map(\.name) == expected.groups.map(\.name))
        for (group, expectedGroup) in zip(job.groups, expected.groups) {
            #expect(group.count == 1)
            #expect(group.restart == expectedGroup.restart)
            #expect(group.tasks.map(\.name) == expectedGroup.tasks.map(\.name))
            for (task, expectedTask) in zip(group.tasks, expectedGroup.tasks) {
                #expect(task.driver == expectedTask.driver)
                #expect(task.config == expectedTask.config)
                #expect(task.resources == expectedTask.resources)
                #expect(task.leader == expectedTask.leader)
                #expect(task.killTimeout == expectedTask.killTimeout)
            }
        }
    }

    @Test("examples/<name>.hcl and examples/<name>.json give the same job",
          arguments: Examples.names)
    func hclMatchesJSON(name: String) throws {
        let hcl = try Jobspec.load(path: Examples.path(name, "hcl"), drivers: Drivers.all)
        let json = try Jobspec.load(path: Examples.path(name, "json"), drivers: Drivers.all)
        #expect(hcl == json)
        #expect(hcl == Self.expected[name])
    }
}
