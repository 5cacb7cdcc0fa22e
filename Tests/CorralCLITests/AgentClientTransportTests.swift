import CorralAPI
import CorralClient
import Foundation
import Synchronization
import Testing

/// The client over a real unix socket, against `CannedAgent` (a NIO HTTP server of canned answers).
@Suite("agent client transport")
struct AgentClientTransportTests {
    func withAgent(_ body: @escaping @Sendable (CannedAgent, AgentClient) async throws -> Void) async throws {
        let agent = try await CannedAgent.start()
        do {
            try await withTimeout { try await body(agent, AgentClient(address: .unix(path: agent.path))) }
        } catch {
            await agent.stop()
            throw error
        }
        await agent.stop()
    }

    @Test func sendReturnsTheWholeAnswerWithLowercasedHeaders() async throws {
        try await withAgent { _, client in
            let response = try await client.send(method: "POST", path: "/v1/echo", query: ["b": "x y&z=1/é", "a": "1"],
                                                  body: Array("hello".utf8), contentType: "text/plain")
            #expect(response.status == 200)
            #expect(response.headers["x-corral-index"] == "42")
            #expect(response.headers["x-twice"] == "a, b")
            #expect(response.headers["content-type"] == "application/json")
            let echo = try JSONDecoder().decode([String: String].self, from: Data(response.body))
            #expect(echo["method"] == "POST")
            #expect(echo["uri"] == "/v1/echo?a=1&b=x%20y%26z%3D1%2F%C3%A9")
            #expect(echo["host"] == "localhost")
            #expect(echo["content_type"] == "text/plain")
            #expect(echo["body"] == "hello")
            // Any status comes back as an answer from `send`.
            #expect(try await client.send(method: "GET", path: "/v1/job/missing").status == 404)
        }
    }

    @Test func jobsDecodeTheAPIsJSON() async throws {
        try await withAgent { _, client in
            let jobs = try await client.jobs()
            #expect(jobs == [CannedAgent.stub])
            #expect(jobs.first?.submitTime == Date(timeIntervalSince1970: 1_780_000_000.25))
        }
    }

    @Test func errorAnswersAreAPIErrorsWithTheirDiagnostics() async throws {
        try await withAgent { _, client in
            let submitError = await #expect(throws: AgentClientError.self) {
                try await client.submitJob(source: "job \"web\" {", filename: "web.hcl")
            }
            guard case .api(400, let body)? = submitError else {
                Issue.record("expected .api(400), got \(String(describing: submitError))")
                return
            }
            #expect(body == CannedAgent.diagnostics)
            #expect(submitError?.description == """
                web.hcl: 2 problems
                web.hcl:3:5: unknown attribute "cuont"
                web.hcl:7:1: missing }
                """)
            let missing = await #expect(throws: AgentClientError.self) { try await client.job("missing") }
            #expect(missing?.status == 404)
            #expect(missing?.description == "no job \"missing\"")
            // A body that is not the API's JSON becomes the error's text.
            let plain = await #expect(throws: AgentClientError.self) { try await client.metrics() }
            guard case .api(502, let text)? = plain else {
                Issue.record("expected .api(502), got \(String(describing: plain))")
                return
            }
            #expect(text.error == "upstream is down")
        }
    }

    @Test func actionsSendTheirJSONBodyAndQueries() async throws {
        try await withAgent { _, client in
            let signal = try await client.signal(alloc: "abc", task: "web", signal: "SIGHUP")
            #expect(signal.tasks == ["POST /v1/client/allocation/abc/signal", #"{"signal":"SIGHUP","task":"web"}"#])
            let restart = try await client.restart(alloc: "abc", task: nil)
            #expect(restart.tasks == ["POST /v1/client/allocation/abc/restart", "{}"])
            let blocking = await #expect(throws: AgentClientError.self) {
                try await client.allocation("abc", index: 7, wait: .milliseconds(1500))
            }
            #expect(blocking?.description == "/v1/allocation/abc?index=7&wait=1500ms")
            let plain = await #expect(throws: AgentClientError.self) { try await client.allocation("abc") }
            #expect(plain?.description == "/v1/allocation/abc")
        }
    }

    @Test func aMissingSocketIsUnreachableAndSaysHowToStartAnAgent() async throws {
        let path = "/tmp/corral-client-test-\(getpid())-absent.sock"
        let client = AgentClient(address: .unix(path: path))
        let error = await #expect(throws: AgentClientError.self) { try await client.health() }
        guard case .unreachable(let address, let reason)? = error else {
            Issue.record("expected .unreachable, got \(String(describing: error))")
            return
        }
        #expect(address == .unix(path: path))
        #expect(reason == "No such file or directory")
        #expect(error?.description == "no agent answers at \(path) (No such file or directory): start one with "
                + "`corral agent` (as root), or point --address or CORRAL_ADDR at a running agent")
    }

    @Test func anAnswerCutShortIsAProtocolError() async throws {
        try await withAgent { _, client in
            let error = await #expect(throws: AgentClientError.self) { try await client.send(method: "GET", path: "/v1/truncated") }
            guard case .protocolError(let message)? = error else {
                Issue.record("expected .protocolError, got \(String(describing: error))")
                return
            }
            #expect(message == "the connection closed in the middle of the answer's body")
        }
    }

    @Test func logsStreamEachChunkAsItArrives() async throws {
        try await withAgent { _, client in
            let body = try await client.logs(alloc: "abc", task: "web", type: "stderr", origin: "end", offset: 10, follow: true)
            var iterator = body.makeAsyncIterator()
            // The agent holds the second part back until released: the first arrives alone.
            let first = try #require(try await iterator.next())
            #expect(String(decoding: first, as: UTF8.self)
                    == "first /v1/client/fs/logs/abc?follow=true&offset=10&origin=end&task=web&type=stderr\n")
            #expect(try await client.send(method: "GET", path: "/v1/release").status == 200)
            var rest: [UInt8] = []
            while let chunk = try await iterator.next() { rest += chunk }
            #expect(String(decoding: rest, as: UTF8.self) == "second\n")
        }
    }

    @Test func logsOfAnUnknownAllocationThrowBeforeStreaming() async throws {
        try await withAgent { _, client in
            let error = await #expect(throws: AgentClientError.self) { try await client.logs(alloc: "nope", task: nil) }
            #expect(error?.status == 404)
        }
    }

    @Test func execSendsStdinAndSizesAndReturnsTheExitCode() async throws {
        try await withAgent { _, client in
            let (stdin, stdinInput) = AsyncStream<[UInt8]>.makeStream()
            let (sizes, sizeInput) = AsyncStream<TerminalSize>.makeStream()
            sizeInput.yield(TerminalSize(height: 24, width: 80))
            sizeInput.finish()
            stdinInput.yield(Array("hello".utf8))
            let received = Mutex<(stdout: [UInt8], stderr: [UInt8])>(([], []))
            let code = try await client.exec(alloc: "running", task: "web", command: ["cat"], tty: true, stdin: stdin,
                                             terminalSizes: sizes) { stream, bytes in
                let done = received.withLock { received in
                    if stream == .stdout { received.stdout += bytes } else { received.stderr += bytes }
                    return !received.stdout.isEmpty && !received.stderr.isEmpty
                }
                // Close stdin once both echoes are back, so that the exit comes after them.
                if done { stdinInput.finish() }
            }
            #expect(code == 3)
            received.withLock { received in
                #expect(String(decoding: received.stdout, as: UTF8.self) == "hello")
                #expect(String(decoding: received.stderr, as: UTF8.self) == "size 24x80")
            }
        }
    }

    @Test func execWithoutStdinClosesItAtOnce() async throws {
        try await withAgent { _, client in
            let output = Mutex<[UInt8]>([])
            let code = try await client.exec(alloc: "running", task: nil, command: ["true"], tty: false, stdin: nil,
                                             terminalSizes: nil) { _, bytes in output.withLock { $0 += bytes } }
            #expect(code == 3)
            #expect(output.withLock { $0 }.isEmpty)
        }
    }

    @Test func execThatCannotStartIsAConflict() async throws {
        try await withAgent { _, client in
            let error = await #expect(throws: AgentClientError.self) {
                try await client.exec(alloc: "running", task: "web", command: ["nostart"], tty: false, stdin: nil,
                                      terminalSizes: nil) { _, _ in }
            }
            #expect(error?.status == 409)
            #expect(error?.description == "task \"web\" is not running")
        }
    }

    @Test func execRefusedIsTheAgentsError() async throws {
        try await withAgent { _, client in
            let error = await #expect(throws: AgentClientError.self) {
                try await client.exec(alloc: "missing", task: nil, command: ["sh"], tty: false, stdin: nil,
                                      terminalSizes: nil) { _, _ in }
            }
            #expect(error?.status == 404)
            #expect(error?.description == "no allocation \"missing\"")
        }
    }
}
