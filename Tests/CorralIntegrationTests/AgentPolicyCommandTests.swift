import Foundation
import Testing

/// The agent's policy as an operator meets it through the CLI: a raw_exec job refused at
/// submission naming the knob (and `node status` saying raw_exec is disabled), and an agent that
/// will not listen on TCP with a short token or on a non-loopback address without TLS.
@Suite(.serialized, .enabled(if: Integration.enabled, Integration.comment), .timeLimit(.minutes(3)))
struct AgentPolicyCommandTests {
    @Test func aRawExecJobIsRefusedAndNodeStatusSaysWhy() async throws {
        let agent = AgentUnderTest()
        try agent.start()
        defer { agent.forceCleanup() }
        let job = """
            job "raw" {
              type = "batch"
              group "g" {
                task "host" {
                  driver = "raw_exec"
                  config { command = "/bin/true" }
                  resources { memory = 16 }
                }
              }
            }
            """
        let file = try writeJob(job, name: "raw")
        defer { try? FileManager.default.removeItem(atPath: (file as NSString).deletingLastPathComponent) }
        let run = try await agent.cli(["job", "run", file])
        #expect(run.status == 125, "\(run.stdout)\(run.stderr)")
        #expect(run.stderr.contains(#"task "host""#) && run.stderr.contains(#"plugin "raw_exec" { config { enabled = true } }"#),
                "\(run.stderr)")
        let status = try await agent.cli(["job", "status", "--json"])
        #expect(!status.stdout.contains("\"raw\""), "the refused job was kept: \(status.stdout)")
        let node = try await agent.cli(["node", "status"])
        let row = node.stdout.split(separator: "\n").first { $0.hasPrefix("raw_exec") }.map(String.init) ?? ""
        #expect(row.contains("false") && row.contains("disabled"), "\(node.stdout)")
        #expect(try await agent.tearDown().isEmpty)
    }

    @Test func theTCPListenerRefusesAShortTokenAndAnOpenAddressWithoutTLS() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for (listen, expected) in [(#"tcp = "127.0.0.1:1""# + "\n" + #"token = "short-token""#, "at least 16 characters"),
                                   (#"tcp = "0.0.0.0:1""# + "\n" + #"token = "0123456789abcdef-open""#, "needs TLS")] {
            let config = directory + "/agent.hcl"
            try """
                data_dir  = "\(directory)/data"
                state_dir = "/run/corral/test-policy-\(UUID().uuidString.prefix(8))"
                listen {
                  socket = "\(directory)/api.sock"
                  \(listen)
                }
                """.write(toFile: config, atomically: true, encoding: .utf8)
            let result = try runCorralProcess(["agent", "--config", config])
            #expect(result.status != 0)
            #expect(result.stderr.contains(expected), "\(result.stderr)")
        }
    }
}
