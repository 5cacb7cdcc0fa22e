import CorralAgent
import CorralAPI
import CorralClient
import CorralRunner
import Foundation
import Logging
import Synchronization
import Testing

/// Every route of the HTTP API against a real agent on a temporary socket (mock driver): the
/// answers a client sees, their status codes and error bodies.
@Suite struct APIRouteTests {
    /// Runs `body` with a fresh API, always stopping it.
    func withAPI(configure: (inout AgentSettings) -> Void = { _ in },
                 _ body: (APIHarness) async throws -> Void) async throws {
        let api = try await APIHarness.start(configure: configure)
        do { try await body(api) } catch {
            await api.stop()
            throw error
        }
        await api.stop()
    }

    /// The status and error body of a failed call.
    func failure(_ call: () async throws(AgentClientError) -> some Any) async -> (Int, APIErrorBody)? {
        do {
            _ = try await call()
            return nil
        } catch {
            if case let .api(status, body) = error { return (status, body) }
            Issue.record("expected an API error, got: \(error)")
            return nil
        }
    }

    func running(_ api: APIHarness, _ alloc: String) async throws -> AllocDetail {
        try await api.fixture.waitFor(alloc) { $0.stub.clientStatus == .running }
    }

    // MARK: Jobs

    @Test func submitHCLAndJSONJobs() async throws {
        try await withAPI { api in
            let hcl = try await api.client.submitJob(source: mockJob("web", count: 2), filename: "web.hcl")
            #expect(hcl.jobID == "web")
            #expect(hcl.allocations.count == 2)
            let json = #"{"job": {"js": {"type": "batch", "group": {"g": {"task": {"t": {"driver": "mock", "config": {"run_for": "1ms"}, "resources": {"cpu": 20, "memory": 16}}}}}}}}"#
            let answer = try await api.client.submitJob(source: json, filename: "js.json")
            #expect(answer.jobID == "js")
            let done = try await api.fixture.waitFor(answer.allocations[0]) { $0.stub.clientStatus == .complete }
            #expect(done.taskStates["t"]?.state == .dead)
        }
    }

    @Test func invalidJobIsA400WithEveryDiagnostic() async throws {
        try await withAPI { api in
            let source = "job \"x\" {\n  group \"g\" {\n    task \"t\" {\n      driver = \"mock\"\n      memry = 3\n      config { run_fo = \"1s\" }\n    }\n  }\n}\n"
            let result = await failure { () async throws(AgentClientError) in try await api.client.submitJob(source: source, filename: "bad.hcl") }
            #expect(result?.0 == 400)
            #expect(result?.1.diagnostics?.first?.description.hasPrefix("bad.hcl:5:7: ") == true)
            #expect(result?.1.diagnostics?.first?.message.contains("memry") == true)
            #expect(result?.1.diagnostics?.last?.message.contains("run_fo") == true)
            #expect(result?.1.diagnostics?.map { "\($0.line):\($0.column)" } == ["5:7", "6:16"])
            #expect(result?.1.diagnostics?.first?.source == "      memry = 3")
            #expect(await api.agent.allocations().isEmpty)
        }
    }

    @Test func malformedBodiesAre400sWithAMessage() async throws {
        try await withAPI { api in
            let broken = try await api.client.send(method: "POST", path: "/v1/jobs", body: Array(#"{"job": {"x": "#.utf8),
                                                   contentType: "application/json")
            #expect(broken.status == 400)
            let body = try APICoding.decoder().decode(APIErrorBody.self, from: Data(broken.body))
            #expect(body.diagnostics?.isEmpty == false)
            let binary = try await api.client.send(method: "POST", path: "/v1/jobs", body: [0xFF, 0xFE, 0x00, 0x80])
            #expect(binary.status == 400)
            #expect(String(decoding: binary.body, as: UTF8.self).contains("not UTF-8"))
            let answer = try await api.client.submitJob(source: mockJob("m"), filename: "m.hcl")
            let restart = try await api.client.send(method: "POST", path: "/v1/client/allocation/\(answer.allocations[0])/restart",
                                                    body: Array("{not json".utf8), contentType: "application/json")
            #expect(restart.status == 400)
            #expect(String(decoding: restart.body, as: UTF8.self).contains("malformed JSON body"))
            let wrongType = try await api.client.send(method: "PUT", path: "/v1/client/allocation/\(answer.allocations[0])/signal",
                                                      body: Array(#"{"task": 7}"#.utf8), contentType: "application/json")
            #expect(wrongType.status == 400)
            #expect(String(decoding: wrongType.body, as: UTF8.self).contains("task"))
        }
    }

    @Test func oversizeBodiesAre413s() async throws {
        try await withAPI(configure: { $0.maxRequestBytes = 4096 }) { api in
            let big = mockJob("big") + "\n" + String(repeating: "# padding\n", count: 1000)
            let result = await failure { () async throws(AgentClientError) in try await api.client.submitJob(source: big, filename: "big.hcl") }
            #expect(result?.0 == 413)
            #expect(result?.1.error.contains("4096 bytes") == true)
            #expect(await api.agent.jobs().isEmpty)
        }
    }

    @Test func aJobThatDoesNotFitIsA409() async throws {
        try await withAPI { api in
            let result = await failure { () async throws(AgentClientError) in
                try await api.client.submitJob(source: mockJob("huge", memory: 1 << 20), filename: "huge.hcl")
            }
            #expect(result?.0 == 409)
            #expect(result?.1.error.contains("does not fit") == true)
        }
    }

    @Test func listReadAndStopJobs() async throws {
        try await withAPI { api in
            let answer = try await api.client.submitJob(source: mockJob("svc"), filename: "svc.hcl")
            _ = try await running(api, answer.allocations[0])
            _ = try await api.client.submitJob(source: mockJob("other"), filename: "other.hcl")
            #expect(try await api.client.jobs().map(\.id) == ["svc", "other"])
            #expect(try await api.client.jobs(prefix: "sv").map(\.id) == ["svc"])
            let detail = try await api.client.job("svc")
            #expect(detail.job.id == "svc")
            #expect(detail.allocations.map(\.id) == answer.allocations)
            #expect(await failure { () async throws(AgentClientError) in try await api.client.job("nope") }?.0 == 404)
            let stopped = try await api.client.stopJob("svc")
            #expect(stopped.allocations == answer.allocations)
            #expect(!stopped.purged)
            _ = try await api.fixture.waitFor(answer.allocations[0]) { $0.taskStates["main"]?.state == .dead }
            #expect(try await api.client.job("svc").stub.status == "dead")
            let purged = try await api.client.stopJob("svc", purge: true)
            #expect(purged.purged)
            #expect(await failure { () async throws(AgentClientError) in try await api.client.job("svc") }?.0 == 404)
            #expect(await failure { () async throws(AgentClientError) in try await api.client.stopJob("svc") }?.0 == 404)
        }
    }

    @Test func jobIdsThatNeedEncodingWorkEverywhere() async throws {
        try await withAPI { api in
            for id in ["a b", "x?y", "é"] {
                let answer = try await api.client.submitJob(source: mockJob(id), filename: "j.hcl")
                #expect(try await api.client.job(id).allocations.map(\.id) == answer.allocations)
                #expect(try await api.client.stopJob(id, purge: true).purged)
                #expect(await failure { () async throws(AgentClientError) in try await api.client.job(id) }?.0 == 404)
            }
        }
    }

    // MARK: Allocations

    @Test func listAndReadAllocationsByPrefix() async throws {
        try await withAPI { api in
            let answer = try await api.client.submitJob(source: mockJob("a", count: 3), filename: "a.hcl")
            _ = try await api.client.submitJob(source: mockJob("b"), filename: "b.hcl")
            #expect(try await api.client.allocations().count == 4)
            #expect(Set(try await api.client.allocations(job: "a").map(\.id)) == Set(answer.allocations))
            let id = answer.allocations[0]
            #expect(try await api.client.allocations(prefix: String(id.prefix(6))).map(\.id).contains(id))
            let detail = try await running(api, id)
            #expect(detail.stub.jobID == "a")
            #expect(try await api.client.allocation(String(id.prefix(12))).stub.id == id)
            let raw = try await api.client.send(method: "GET", path: "/v1/allocation/\(id)")
            #expect(raw.headers[APICoding.indexHeader.lowercased()].flatMap { UInt64($0) } ?? 0 >= detail.stub.modifyIndex)
            #expect(await failure { () async throws(AgentClientError) in try await api.client.allocation("ffffffff-none") }?.0 == 404)
            let everything = await failure { () async throws(AgentClientError) in try await api.client.allocation("") }
            #expect(everything?.0 == 404)
        }
    }

    @Test func ambiguousPrefixIsA400ListingTheMatches() async throws {
        try await withAPI { api in
            // 17 allocations: two of them share a first hex digit.
            let answer = try await api.client.submitJob(source: mockJob("many", count: 17), filename: "many.hcl")
            let byFirst = Dictionary(grouping: answer.allocations, by: { String($0.prefix(1)) })
            let (prefix, shared) = byFirst.first { $0.value.count > 1 }!
            let result = await failure { () async throws(AgentClientError) in try await api.client.allocation(prefix) }
            #expect(result?.0 == 400)
            #expect(Set(result?.1.matches ?? []) == Set(shared))
        }
    }

    @Test func blockingQueryAnswersWhenTheAllocationChanges() async throws {
        try await withAPI { api in
            let answer = try await api.client.submitJob(source: mockJob("w"), filename: "w.hcl")
            let id = answer.allocations[0]
            let detail = try await running(api, id)
            async let changed = api.client.allocation(id, index: detail.stub.modifyIndex, wait: .seconds(30))
            try await Task.sleep(for: .milliseconds(100))
            _ = try await api.client.stopAllocation(id)
            let after = try await changed
            #expect(after.stub.modifyIndex > detail.stub.modifyIndex)
            #expect(after.stub.desiredStatus == .stop)
            let timedOut = try await api.client.allocation(id, index: UInt64.max - 1, wait: .milliseconds(100))
            #expect(timedOut.stub.id == id)
            for query in ["index=abc", "index=1&wait=forever"] {
                let bad = try await api.client.send(method: "GET", path: "/v1/allocation/\(id)",
                                                    query: Dictionary(uniqueKeysWithValues: query.split(separator: "&").map {
                                                        let pair = $0.split(separator: "=")
                                                        return (String(pair[0]), String(pair[1]))
                                                    }))
                #expect(bad.status == 400, "\(query)")
            }
        }
    }

    @Test func stopAnAllocation() async throws {
        try await withAPI { api in
            let answer = try await api.client.submitJob(source: mockJob("st", count: 2), filename: "st.hcl")
            let (first, second) = (answer.allocations[0], answer.allocations[1])
            _ = try await running(api, first)
            let stop = try await api.client.stopAllocation(first)
            #expect(stop.tasks == ["main"])
            _ = try await api.fixture.waitFor(first) { $0.taskStates["main"]?.state == .dead }
            #expect(try await api.client.allocation(second).stub.desiredStatus == .run)
            #expect(await failure { () async throws(AgentClientError) in try await api.client.stopAllocation("0000") }?.0 == 404)
        }
    }

    // MARK: Client routes

    @Test func restartAndSignalTasks() async throws {
        try await withAPI { api in
            let answer = try await api.client.submitJob(source: mockJob("r", tasks: ["a", "b"]), filename: "r.hcl")
            let id = answer.allocations[0]
            _ = try await api.fixture.waitFor(id) { $0.stub.tasks.values.allSatisfy { $0 == .running } }
            #expect(try await api.client.restart(alloc: id, task: "a").tasks == ["a"])
            let restarted = try await api.fixture.waitFor(id) {
                ($0.taskStates["a"]?.events.filter { $0.type == .started }.count ?? 0) == 2
            }
            #expect(restarted.taskStates["a"]?.events.contains { $0.type == .restartSignaled } == true)
            let signalled = try await api.client.signal(alloc: id, task: "b", signal: "SIGUSR1")
            #expect(signalled.tasks == ["b"])
            let detail = try await api.client.allocation(id)
            #expect(detail.taskStates["b"]?.events.last?.type == .signaling)
            let severalTasks = await failure { () async throws(AgentClientError) in try await api.client.signal(alloc: id, task: nil, signal: "SIGHUP") }
            #expect(severalTasks?.0 == 400)
            #expect(await failure { () async throws(AgentClientError) in try await api.client.signal(alloc: id, task: "b", signal: "SIGWHAT") }?.0 == 400)
            #expect(await failure { () async throws(AgentClientError) in try await api.client.restart(alloc: id, task: "zz") }?.0 == 404)
            #expect(await failure { () async throws(AgentClientError) in try await api.client.restart(alloc: "0000", task: nil) }?.0 == 404)
            _ = try await api.client.stopAllocation(id)
            _ = try await api.fixture.waitFor(id) { $0.stub.tasks.values.allSatisfy { $0 == .dead } }
            #expect(await failure { () async throws(AgentClientError) in try await api.client.restart(alloc: id, task: "a") }?.0 == 409)
        }
    }

    @Test func statsOfAnAllocation() async throws {
        try await withAPI(configure: { _ in }) { api in
            let answer = try await api.client.submitJob(source: mockJob("stats"), filename: "s.hcl")
            let id = answer.allocations[0]
            _ = try await running(api, id)
            let stats = try await api.client.stats(alloc: id)
            #expect(stats.allocID == id)
            #expect(await failure { () async throws(AgentClientError) in try await api.client.stats(alloc: "0000") }?.0 == 404)
        }
    }

    @Test func logsFromStartFromEndAndFollowed() async throws {
        try await withAPI { api in
            let config = #"stdout_string = "tick\n""# + "\n" + #"stdout_repeat = 5"# + "\n" + #"stdout_repeat_duration = "20ms""#
                + "\n" + #"run_for = "2s""#
            let answer = try await api.client.submitJob(source: mockJob("logs", type: "batch", config: config), filename: "l.hcl")
            let id = answer.allocations[0]
            var followed: [UInt8] = []
            for try await chunk in try await api.client.logs(alloc: id, task: nil, follow: true) { followed += chunk }
            // The follow ended by itself: the task is dead and its log read to the end.
            #expect(String(decoding: followed, as: UTF8.self) == String(repeating: "tick\n", count: 6))
            #expect(try await api.client.allocation(id).taskStates["main"]?.state == .dead)
            var tail: [UInt8] = []
            for try await chunk in try await api.client.logs(alloc: id, task: "main", origin: "end", offset: 5) { tail += chunk }
            #expect(String(decoding: tail, as: UTF8.self) == "tick\n")
            for (count, expected) in [(2, "tick\ntick\n"), (0, ""), (100, String(repeating: "tick\n", count: 6))] {
                var lines: [UInt8] = []
                for try await chunk in try await api.client.logs(alloc: id, task: "main", lines: count) { lines += chunk }
                #expect(String(decoding: lines, as: UTF8.self) == expected, "lines=\(count)")
            }
            var stderr: [UInt8] = []
            for try await chunk in try await api.client.logs(alloc: id, task: "main", type: "stderr") { stderr += chunk }
            #expect(stderr.isEmpty)
            for (query, status) in [(["type": "both"], 400), (["origin": "middle"], 400), (["offset": "-1"], 400),
                                    (["task": "nope"], 404)] {
                let answer = try await api.client.send(method: "GET", path: "/v1/client/fs/logs/\(id)", query: query)
                #expect(answer.status == status, "\(query)")
            }
            #expect(try await api.client.send(method: "GET", path: "/v1/client/fs/logs/0000").status == 404)
        }
    }

    @Test func aFollowedLogIsCutShortWhenTheAgentStops() async throws {
        try await withAPI { api in
            let config = #"stdout_string = "tick\n""# + "\n" + #"run_for = "1h""#
            let answer = try await api.client.submitJob(source: mockJob("f", config: config), filename: "f.hcl")
            let id = answer.allocations[0]
            _ = try await running(api, id)
            let stream = try await api.client.logs(alloc: id, task: nil, follow: true)
            await api.agent.shutdown()
            // The task still runs: the stream must not end as if its log were complete.
            await #expect(throws: (any Error).self) { for try await _ in stream {} }
        }
    }

    @Test func execStreamsOutputAndTheExitCode() async throws {
        try await withAPI { api in
            let answer = try await api.client.submitJob(source: mockJob("ex"), filename: "ex.hcl")
            let id = answer.allocations[0]
            _ = try await running(api, id)
            let output = OutputCollector()
            let code = try await api.client.exec(alloc: id, task: nil, command: ["echo", "hello"], tty: false, stdin: nil,
                                                 terminalSizes: nil, output: { output.append($0, $1) })
            #expect(code == 0)
            #expect(output.stdout == "echo hello\n")
            let missing = await failure { () async throws(AgentClientError) in
                try await api.client.exec(alloc: "0000", task: nil, command: ["true"], tty: false, stdin: nil,
                                          terminalSizes: nil, output: { _, _ in })
            }
            #expect(missing?.0 == 404)
            if missing?.0 != 404 {
                do {
                    _ = try await api.client.exec(alloc: "0000", task: nil, command: ["true"], tty: false, stdin: nil,
                                                  terminalSizes: nil, output: { _, _ in })
                } catch { Issue.record("exec of a missing allocation: \(error)") }
            }
            let plain = try await api.client.send(method: "GET", path: "/v1/client/allocation/\(id)/exec",
                                                  query: ["command": #"["true"]"#])
            #expect(plain.status == 400)
            let noTask = try await api.client.send(method: "GET", path: "/v1/client/allocation/\(id)/exec",
                                                   query: ["command": #"["true"]"#, "task": "nope"])
            #expect(noTask.status == 404)
        }
    }

    // MARK: Listeners

    @Test func theTCPListenerNeedsTheToken() async throws {
        try await withAPI(configure: {
            $0.tcpAddress = AgentSettings.TCPAddress(host: "127.0.0.1", port: 0)
            $0.tcpToken = "s3cret-token-0123456789"
        }) { api in
            let address = try AgentAddress.parse(try #require(api.tcpAddress))
            let anonymous = await failure { () async throws(AgentClientError) in try await AgentClient(address: address).jobs() }
            #expect(anonymous?.0 == 401)
            let wrong = await failure { () async throws(AgentClientError) in
                try await AgentClient(address: address, token: "s3cret-token-0123456788").jobs()
            }
            #expect(wrong?.0 == 401)
            #expect(try await AgentClient(address: address, token: "s3cret-token-0123456789").jobs().isEmpty)
            // `Authorization: Bearer TOKEN`, as Prometheus scrapers send it; the scheme in any case.
            let bare = AgentClient(address: address)
            for (header, status) in [("Bearer s3cret-token-0123456789", 200), ("bearer  s3cret-token-0123456789", 200),
                                     ("BEARER s3cret-token-0123456789", 200), ("Bearer s3cret-token-012345678", 401),
                                     ("Bearer s3cret-token-01234567890", 401), ("Basic s3cret-token-0123456789", 401),
                                     ("s3cret-token-0123456789", 401), ("Bearer", 401), ("Bearer ", 401)] {
                let answer = try await bare.send(method: "GET", path: "/v1/jobs", headers: [("Authorization", header)])
                #expect(Int(answer.status) == status, "Authorization: \(header)")
            }
            let refused = try await bare.send(method: "GET", path: "/v1/jobs")
            #expect(String(decoding: refused.body, as: UTF8.self).contains("Authorization: Bearer"))
            // The unix socket needs none: its mode is its access control.
            #expect(try await api.client.jobs().isEmpty)
        }
    }

    /// `alloc exec` is a WebSocket upgrade: the token guards it on the TCP listener like every
    /// other route (a task's shell is root's), without the token or with a wrong one: the upgrade
    /// is refused and the command never runs.
    @Test func execOverTCPNeedsTheToken() async throws {
        let token = "exec-token-0123456789abcdef"
        try await withAPI(configure: {
            $0.tcpAddress = AgentSettings.TCPAddress(host: "127.0.0.1", port: 0)
            $0.tcpToken = token
        }) { api in
            let answer = try await api.client.submitJob(source: mockJob("tcpexec"), filename: "ex.hcl")
            let id = answer.allocations[0]
            _ = try await running(api, id)
            let address = try AgentAddress.parse(try #require(api.tcpAddress))
            for client in [AgentClient(address: address), AgentClient(address: address, token: String(token.dropLast()) + "0"),
                           AgentClient(address: address, token: "")] {
                let output = OutputCollector()
                let refused = await failure { () async throws(AgentClientError) in
                    try await client.exec(alloc: id, task: nil, command: ["echo", "hello"], tty: false, stdin: nil,
                                          terminalSizes: nil, output: { output.append($0, $1) })
                }
                // Refused before the upgrade: the HTTP codec answers any refused upgrade with an empty 400.
                #expect(refused?.0 == 400 || refused?.0 == 401, "\(String(describing: refused?.1))")
                #expect(output.stdout.isEmpty, "the command ran without the token")
            }
            // A bare upgrade request, as any client could send it.
            let bare = try await AgentClient(address: address).send(method: "GET", path: "/v1/client/allocation/\(id)/exec",
                                                                   query: ["command": #"["echo","x"]"#])
            #expect(bare.status == 401)
            let output = OutputCollector()
            let code = try await AgentClient(address: address, token: token).exec(alloc: id, task: nil, command: ["echo", "hello"],
                                                                                  tty: false, stdin: nil, terminalSizes: nil,
                                                                                  output: { output.append($0, $1) })
            #expect(code == 0)
            #expect(output.stdout == "echo hello\n")
        }
    }

    @Test func aTCPListenerWithoutATokenIsRefused() throws {
        let fixture = AgentFixture { $0.tcpAddress = AgentSettings.TCPAddress(host: "127.0.0.1", port: 0) }
        defer { fixture.remove() }
        let server = AgentServer(agent: fixture.agent, environment: .init(version: "test", registry: .init(),
                                                                           logger: Logger(label: "test")))
        #expect(throws: AgentServerError.tcpWithoutToken(address: "127.0.0.1:0")) { _ = try server.services() }
    }

    // MARK: Node, health, metrics

    @Test func nodeHealthAndUnknownRoutes() async throws {
        try await withAPI { api in
            let node = try await api.client.node()
            #expect(node.node.name == "test-node")
            #expect(node.drivers["mock"]?.healthy == true)
            #expect(node.memoryMiB == 4096)
            let health = try await api.client.health()
            #expect(health.ok)
            #expect(health.version == "test")
            let unknown = try await api.client.send(method: "GET", path: "/v1/nothing/here")
            #expect(unknown.status == 404)
            #expect(String(decoding: unknown.body, as: UTF8.self).contains("no route"))
            #expect(try await api.client.send(method: "PATCH", path: "/v1/jobs").status == 404)
        }
    }

    @Test func prometheusMetricsMatchTheRunningTasks() async throws {
        try await withAPI { api in
            let answer = try await api.client.submitJob(source: mockJob("prom", count: 2), filename: "p.hcl")
            for id in answer.allocations { _ = try await running(api, id) }
            let done = try await api.client.submitJob(source: mockJob("once", type: "batch", config: #"run_for = "1ms""#),
                                                      filename: "o.hcl")
            _ = try await api.fixture.waitFor(done.allocations[0]) { $0.stub.clientStatus == .complete }
            let text = try await api.client.metrics()
            func sample(_ name: String, alloc: String) -> Double? {
                text.split(separator: "\n").first { $0.hasPrefix(name + "{") && $0.contains("alloc_id=\"\(alloc)\"") }
                    .flatMap { Double($0.split(separator: " ").last!) }
            }
            for id in answer.allocations {
                #expect(sample("corral_client_allocs_running", alloc: id) == 1, "\(id)")
                #expect(text.contains(#"job="prom",task_group="g",alloc_id="\#(id)",task="main""#))
            }
            #expect(sample("corral_client_allocs_complete", alloc: done.allocations[0]) == 1)
            #expect(sample("corral_client_allocs_failed", alloc: done.allocations[0]) ?? 0 == 0)
            let other = try await api.client.send(method: "GET", path: "/v1/metrics", query: ["format": "json"])
            #expect(other.status == 400)
            // A purged allocation's series go with it.
            _ = try await api.client.stopJob("prom", purge: true)
            let after = try await api.client.metrics()
            for id in answer.allocations { #expect(!after.contains(id)) }
            #expect(after.contains(done.allocations[0]))
        }
    }
}

/// Collects an exec's output (called from the client's event loop).
final class OutputCollector: Sendable {
    private let box = Mutex<(stdout: [UInt8], stderr: [UInt8])>(([], []))

    func append(_ stream: ExecOutputStream, _ bytes: [UInt8]) {
        box.withLock { if stream == .stdout { $0.stdout += bytes } else { $0.stderr += bytes } }
    }

    var stdout: String { String(decoding: box.withLock { $0.stdout }, as: UTF8.self) }
}
