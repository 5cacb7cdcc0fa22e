import Foundation
import Testing

/// No agent secret is reachable from an exec task: not the agent's environment (its TCP token),
/// not its data directory, driver state or socket, not the host's /etc/shadow. The task runs as
/// nobody unless its job names a user; one that asks for root (CAP_DAC_OVERRIDE) still sees none of it.
@Suite(.serialized, .enabled(if: Integration.enabled, Integration.comment), .timeLimit(.minutes(3)))
struct AgentSecretTests {
    func probeJob(_ id: String, user: String?, agent: AgentUnderTest) -> String {
        let paths = [agent.dataDir, agent.socket, agent.stateRoot, "/run/corral", "/etc/shadow", "/etc/corral", "/var/lib/corral"]
        let script = "echo uid=$(id -u); env; for p in \(paths.map { "'\($0)'" }.joined(separator: " ")); do "
            + "ls -d \"$p\" >/dev/null 2>&1 && echo \"visible $p\"; done; echo probe-done"
        return """
        job "\(id)" {
          type = "batch"
          group "g" {
            restart { attempts = 0 }
            task "t" {
              driver = "exec"
              \(user.map { "user = \"\($0)\"" } ?? "")
              config {
                command = "/bin/sh"
                args    = ["-c", "\(script.replacingOccurrences(of: "\"", with: "\\\""))"]
              }
            }
          }
        }
        """
    }

    @Test func anExecTaskReachesNoAgentSecret() async throws {
        let agent = AgentUnderTest()
        let token = "agent-token-\(UUID().uuidString)"
        // Root is denied to exec tasks by default; this agent allows it, to show root sees no secret either.
        let config = NSTemporaryDirectory() + "corral-secret-agent-\(agent.name).hcl"
        try "client {\n  user_denylist = []\n}\n".write(toFile: config, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: config) }
        try agent.start(extra: ["--config", config], environment: ["CORRAL_TOKEN": token])
        defer { agent.forceCleanup() }
        for (name, user, uid) in [("secrets-default", nil, "65534"), ("secrets-root", "root", "0")] {
            let file = try writeJob(probeJob(name, user: user, agent: agent), name: name)
            defer { try? FileManager.default.removeItem(atPath: (file as NSString).deletingLastPathComponent) }
            let run = try await agent.cli(["job", "run", file])
            #expect(run.status == 0, "\(run.stderr)")
            let id = try #require(try await agent.allocations(of: name).first)
            #expect(eventually(timeout: 30) { agent.logFile(id, task: "t").contains("probe-done") },
                    "\(agent.logFile(id, task: "t")) \(agent.logFile(id, task: "t", stream: "stderr"))")
            let output = agent.logFile(id, task: "t")
            #expect(output.hasPrefix("uid=\(uid)\n"), "\(output)")
            #expect(!output.contains(token), "the task inherited the agent's token")
            #expect(!output.contains("CORRAL_TOKEN"), "\(output)")
            #expect(!output.contains("visible"), "\(output)")
        }
        #expect(try await agent.tearDown() == [])
    }
}
