import CorralAgent
import CorralAPI
import CorralClient
import CorralDriver
import CorralExecDriver
import CorralJobspec
import CorralRunner
import Foundation
import Testing

/// The agent's policy at submission (no privileges: every job here is refused before a driver
/// starts anything): raw_exec disabled unless enabled, `cap_add` within `allow_caps`, binds and
/// devices within their allow-lists (none by default), no root of `/` or over the agent's own
/// directories. A refused job leaves nothing behind, not even its other tasks.
@Suite struct AgentPolicyTests {
    /// An agent with the real exec and raw_exec drivers (for their schemas and names) beside the mock.
    static func fixture(configure: (inout AgentSettings) -> Void = { _ in }) -> AgentFixture {
        let options = DriverOptions(stateRoot: "/run/corral-policy-test/tasks", cgroupParent: "corral-policy-test")
        return AgentFixture(extraDrivers: ["exec": ExecDriver(options: options), "raw_exec": RawExecDriver(options: options)],
                            configure: configure)
    }

    /// A job with a mock task beside `driver`'s task `risky` configured by `config` (and `extra` task lines).
    static func job(_ id: String, driver: String, config: String, extra: String = "") -> String {
        """
        job "\(id)" {
          group "g" {
            task "safe" {
              driver = "mock"
              config { run_for = "1h" }
              resources { memory = 16 }
            }
            task "risky" {
              driver = "\(driver)"
              config {
        \(config)
              }
        \(extra)
              resources { memory = 16 }
            }
          }
        }
        """
    }

    /// Submits `source` and expects a 400 whose message holds every one of `texts`; then that nothing was kept.
    static func expectRefused(_ fixture: AgentFixture, _ source: String, _ texts: [String],
                              sourceLocation: SourceLocation = #_sourceLocation) async {
        await #expect(sourceLocation: sourceLocation) {
            _ = try await fixture.agent.submit(source: source, filename: "job.hcl")
        } throws: { error in
            guard let error = error as? AgentError, error.status == 400 else { return false }
            let message = "\(error)"
            let missing = texts.filter { !message.contains($0) }
            if !missing.isEmpty { Issue.record("\(message) lacks \(missing)", sourceLocation: sourceLocation) }
            return missing.isEmpty
        }
        #expect(await fixture.agent.jobs().isEmpty, sourceLocation: sourceLocation)
        #expect(await fixture.agent.allocations().isEmpty, sourceLocation: sourceLocation)
    }

    @Test func rawExecIsDisabledByDefault() async {
        let fixture = Self.fixture()
        defer { fixture.remove() }
        await Self.expectRefused(fixture, Self.job("raw", driver: "raw_exec", config: #"command = "/bin/true""#),
                                 [#"task "risky""#, "raw_exec", #"plugin "raw_exec" { config { enabled = true } }"#])
        let fingerprint = await RawExecDriver(options: DriverOptions(policy: fixture.agent.settings.driverPolicy)).fingerprint()
        #expect(fingerprint.health == .undetected)
        #expect(fingerprint.healthDescription.contains("disabled"))
    }

    @Test func capAddBeyondAllowCapsIsRefused() async {
        let fixture = Self.fixture()
        defer { fixture.remove() }
        for cap in ["sys_admin", "CAP_SYS_PTRACE", "all", "net_admin"] {
            await Self.expectRefused(fixture, Self.job("caps", driver: "exec", config: #"command = "/bin/true""# + "\n" + #"cap_add = ["chown", "\#(cap)"]"#),
                                     [#"task "risky""#, #"config.cap_add[1] "\#(cap)""#, "allow_caps"])
        }
    }

    @Test func bindsAndDevicesAreDeniedByDefault() async {
        let fixture = Self.fixture()
        defer { fixture.remove() }
        for source in ["/etc", "/srv", "/tmp", "/home"] {
            let mounts = "mounts = [{\n" + #"type = "bind"\#nsource = "\#(source)"\#ntarget = "/x"\#nreadonly = true"# + "\n}]"
            await Self.expectRefused(fixture, Self.job("binds", driver: "exec", config: #"command = "/bin/true""# + "\n" + mounts),
                                     [#"task "risky""#, #"config.mounts[0].source "\#(source)""#, "bind_allowlist"])
        }
        for device in ["/dev/sda", "/dev/mem", "/dev/fuse", "/dev/kmsg"] {
            let devices = "devices = [{\n" + #"host_path = "\#(device)""# + "\n}]"
            await Self.expectRefused(fixture, Self.job("devices", driver: "exec", config: #"command = "/bin/true""# + "\n" + devices),
                                     [#"task "risky""#, #"config.devices[0].host_path "\#(device)""#, "device_allowlist"])
        }
    }

    @Test func rootsAndBindsOverTheAgentsOwnDirectoriesAreRefused() async throws {
        let fixture = Self.fixture { $0.bindAllowlist = ["/"] }
        defer { fixture.remove() }
        let settings = fixture.agent.settings
        let dataDir = settings.dataDir
        for image in ["/", dataDir, dataDir + "/alloc", parentDirectory(dataDir), "/run/corral", settings.stateRoot] {
            await Self.expectRefused(fixture, Self.job("root", driver: "exec", config: #"command = "/bin/true""# + "\n" + #"image = "\#(image)""#),
                                     [#"task "risky""#, #"config.image "\#(image)""#])
        }
        // Through a symlink to the data directory.
        let link = NSTemporaryDirectory() + "corral-policy-link-" + UUID().uuidString.prefix(8)
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: dataDir)
        defer { try? FileManager.default.removeItem(atPath: link) }
        for source in [dataDir, dataDir + "/alloc", parentDirectory(dataDir), link, "/", "/run"] {
            let mounts = "mounts = [{\n" + #"type = "bind"\#nsource = "\#(source)"\#ntarget = "/x""# + "\n}]"
            await Self.expectRefused(fixture, Self.job("binds", driver: "exec", config: #"command = "/bin/true""# + "\n" + mounts),
                                     [#"task "risky""#, #"config.mounts[0].source "\#(source)""#, "corral's own directory"])
        }
    }

    @Test func imagesAndHostNamespacesAreDeniedByDefault() async {
        let fixture = Self.fixture()
        defer { fixture.remove() }
        for image in ["/usr", "/srv/images/alpine", "/opt", "/home"] {
            await Self.expectRefused(fixture, Self.job("image", driver: "exec", config: #"command = "/bin/true""# + "\n" + #"image = "\#(image)""#),
                                     [#"task "risky""#, #"config.image "\#(image)""#, "image_allowlist"])
        }
        for (key, knob) in [("pid_mode", "allow_host_pid"), ("ipc_mode", "allow_host_ipc"), ("network_mode", "allow_host_network")] {
            await Self.expectRefused(fixture, Self.job("ns", driver: "exec", config: #"command = "/bin/true""# + "\n" + #"\#(key) = "host""#),
                                     [#"task "risky""#, #"config.\#(key) "host""#, "\(knob) = true"])
        }
    }

    /// Root is denied to exec tasks by default (Nomad's user.denylist), by number: every spelling.
    @Test func rootIsDeniedByDefault() async {
        let fixture = Self.fixture()
        defer { fixture.remove() }
        for user in ["root", "0", "00", "0:0", "nobody:0", "nobody:root"] {
            await Self.expectRefused(fixture, Self.job("user", driver: "exec", config: #"command = "/bin/true""#, extra: #"user = "\#(user)""#),
                                     [#"task "risky""#, "user_denylist", #""root""#])
        }
        // In an image, ids written as numbers are judged at submission (names at the start).
        let withImage = Self.fixture {
            $0.imageAllowlist = ["/"]
            $0.allowSuidWritableSources = true
        }
        defer { withImage.remove() }
        for user in ["0", "000:65534", "65534:0"] {
            await Self.expectRefused(withImage, Self.job("user", driver: "exec", config: #"command = "/bin/true""# + "\n" + #"image = "/srv/img""#,
                                                         extra: #"user = "\#(user)""#),
                                     [#"task "risky""#, "user_denylist"])
        }
    }

    /// The model's ranges hold for a job however it arrives: here one built by a program, whose
    /// numbers no decoder saw.
    @Test func outOfRangeNumbersAreRefusedOnEveryPath() async throws {
        let fixture = Self.fixture()
        defer { fixture.remove() }
        let base = try Jobspec.parse(Self.job("big", driver: "mock", config: #"run_for = "1h""#), file: "big.hcl")
        let cases: [(String, (inout Job) -> Void)] = [
            ("resources.memory", { $0.groups[0].tasks[0].resources.memoryMiB = Int.max / 2 }),
            ("resources.memory", { $0.groups[0].tasks[0].resources.memoryMiB = -1 }),
            ("resources.memory_max", { $0.groups[0].tasks[0].resources.memoryMaxMiB = 1 << 40 }),
            ("resources.cpu", { $0.groups[0].tasks[0].resources.cpuMHz = Int.max }),
            ("resources.cores", { $0.groups[0].tasks[0].resources.cores = 1 << 20 }),
            ("resources.pids", { $0.groups[0].tasks[0].resources.pids = -5 }),
            ("logs.max_files", { $0.groups[0].tasks[0].logs.maxFiles = 1_000_000_000 }),
            ("logs.max_file_size", { $0.groups[0].tasks[0].logs.maxFileSizeMiB = 1 << 44 }),
            ("logs.max_file_size", { $0.groups[0].tasks[0].logs.maxFileSizeMiB = 0 }),
            ("kill_timeout", { $0.groups[0].tasks[0].killTimeout = .seconds(400 * 24 * 3600) }),
            ("shutdown_delay", { $0.groups[0].tasks[0].shutdownDelay = .seconds(-1) }),
            ("count", { $0.groups[0].count = 1 << 40 }),
            ("count", { $0.groups[0].count = -1 }),
            ("user", { $0.groups[0].tasks[0].user = "4294967295" }),
            ("restart.attempts", {
                $0.groups[0].tasks[0].restart = RestartPolicy(attempts: Int.max, interval: .seconds(60), delay: .seconds(1), mode: .fail)
            }),
        ]
        for (field, change) in cases {
            var job = base
            change(&job)
            await #expect {
                _ = try await fixture.agent.submit(job)
            } throws: { error in
                guard let error = error as? AgentError, error.status == 400 else { return false }
                let message = "\(error)"
                #expect(message.contains(field), "\(field): \(message)")
                return true
            }
            #expect(JobLimits.problems(job).contains { $0.contains(field) }, "\(field)")
        }
        #expect(await fixture.agent.jobs().isEmpty)
        #expect(JobLimits.problems(base).isEmpty)
        // The job file decoder, HCL and JSON alike, refuses them with the model's bounds too.
        #expect(throws: JobspecError.self) {
            try Jobspec.parse(Self.job("big", driver: "mock", config: #"run_for = "1h""#).replacingOccurrences(of: "memory = 16", with: "memory = 1099511627776"),
                              file: "big.hcl")
        }
    }

    @Test func theAPIAnswers400WithTheKnob() async throws {
        let options = DriverOptions(stateRoot: "/run/corral-policy-test/tasks", cgroupParent: "corral-policy-test")
        let api = try await APIHarness.start(extraDrivers: ["raw_exec": RawExecDriver(options: options)])
        do {
            let source = Self.job("raw", driver: "raw_exec", config: #"command = "/bin/true""#)
            do {
                _ = try await api.client.submitJob(source: source, filename: "raw.hcl")
                Issue.record("a raw_exec job was accepted by an agent without raw_exec")
            } catch {
                guard case let .api(status, body) = error else { throw error }
                #expect(status == 400)
                #expect(body.error.contains(#"plugin "raw_exec" { config { enabled = true } }"#), "\(body.error)")
            }
            #expect(try await api.client.jobs().isEmpty)
        }
        await api.stop()
    }
}

/// `/a/b` for `/a/b/c`.
private func parentDirectory(_ path: String) -> String {
    "/" + path.split(separator: "/").dropLast().joined(separator: "/")
}
