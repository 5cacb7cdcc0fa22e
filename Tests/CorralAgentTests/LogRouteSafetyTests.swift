@testable import CorralAgent
import CorralClient
import Foundation
import Testing

/// The log endpoint over an allocation directory a task has tampered with: a link planted at any
/// component, a FIFO for a log, a terabyte of holes. Each is a clear error or a quick answer, and
/// never a byte of a host file.
extension APIRouteTests {
    /// A finished batch task's allocation directory, with a host directory holding "secrets" under
    /// every name a link could point the agent at.
    func withFinishedLog(_ body: (APIHarness, _ id: String, _ allocDir: String, _ outside: String) async throws -> Void) async throws {
        try await withAPI { api in
            let config = #"stdout_string = "tick\n""# + "\n" + #"run_for = "10ms""#
            let answer = try await api.client.submitJob(source: mockJob("planted", type: "batch", config: config), filename: "p.hcl")
            let id = answer.allocations[0]
            _ = try await api.fixture.waitFor(id) { $0.taskStates["main"]?.state == .dead }
            let allocDir = api.agent.settings.allocRoot + "/" + id
            let outside = NSTemporaryDirectory() + "corral-outside-" + UUID().uuidString.prefix(8)
            try FileManager.default.createDirectory(atPath: outside + "/alloc/logs", withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: outside) }
            for path in ["/secret", "/alloc/logs/main.stdout", "/alloc/logs/main.stdout.1"] {
                try Data("HOST SECRET\n".utf8).write(to: URL(fileURLWithPath: outside + path))
            }
            try await body(api, id, allocDir, outside)
        }
    }

    func getLog(_ api: APIHarness, _ id: String, _ extra: [String: String] = [:]) async throws -> AgentResponse {
        try await api.client.send(method: "GET", path: "/v1/client/fs/logs/\(id)", query: ["task": "main"].merging(extra) { $1 })
    }

    @Test(arguments: [
        ("alloc", "alloc"), ("alloc/logs", "alloc/logs"), ("alloc/logs/main.stdout", "secret"),
        ("alloc/logs/main.stdout.1", "secret"), ("alloc/logs/main.stdout.3", "secret"),
    ])
    func aPlantedLinkIsRefusedNeverFollowed(_ component: String, _ target: String) async throws {
        try await withFinishedLog { api, id, allocDir, outside in
            let planted = allocDir + "/" + component
            if component == "alloc/logs/main.stdout.3" {
                // Rotated files past a gap are not read at all; with .1 and .2 present, .3 is.
                for number in [1, 2] { try Data("old\n".utf8).write(to: URL(fileURLWithPath: allocDir + "/alloc/logs/main.stdout.\(number)")) }
            }
            try? FileManager.default.removeItem(atPath: planted)
            try FileManager.default.createSymbolicLink(atPath: planted, withDestinationPath: outside + "/" + target)
            for query in [[:], ["lines": "10"], ["follow": "true"], ["origin": "end", "offset": "3"]] {
                let answer = try await getLog(api, id, query)
                #expect(!answer.text.contains("HOST SECRET"), "\(component) \(query): served a host file")
                #expect([400, 404].contains(answer.status), "\(component) \(query): \(answer.status) \(answer.text)")
                #expect(answer.text.contains("symbolic link") || answer.text.contains("no log"), "\(answer.text)")
            }
        }
    }

    @Test func aFIFOOrADirectoryForALogIsRefusedAtOnce() async throws {
        try await withFinishedLog { api, id, allocDir, _ in
            let live = allocDir + "/alloc/logs/main.stdout"
            try FileManager.default.removeItem(atPath: live)
            #expect(mkfifo(live, 0o666) == 0)
            let fifo = try await getLog(api, id, ["follow": "true"])
            #expect(fifo.status == 400)
            #expect(fifo.text.contains("not a regular file (a FIFO)"), "\(fifo.text)")
            try FileManager.default.removeItem(atPath: live)
            try FileManager.default.createDirectory(atPath: live, withIntermediateDirectories: false)
            let directory = try await getLog(api, id)
            #expect(directory.status == 400)
            #expect(directory.text.contains("a directory"), "\(directory.text)")
        }
    }

    /// A rotated log of 1 TiB of holes: `-tail -n 10` answers at once, from where its bounded scan
    /// stopped, and says so in a header.
    @Test func aTerabyteSparseRotatedLogTailsAtOnce() async throws {
        try await withFinishedLog { api, id, allocDir, _ in
            let rotated = allocDir + "/alloc/logs/main.stdout.1"
            try Data().write(to: URL(fileURLWithPath: rotated))
            #expect(truncate(rotated, 1 << 40) == 0)
            let start = Date()
            let answer = try await getLog(api, id, ["lines": "10"])
            #expect(Date().timeIntervalSince(start) < 5)
            #expect(answer.status == 200)
            #expect(answer.headers.first { $0.key.lowercased() == "x-corral-log-scan-limited" }?.value == String(16 << 20))
            #expect(answer.text.hasSuffix("tick\n"))
            #expect(answer.body.count == 16 << 20)
        }
    }
}

extension APIRouteTests {
    /// How many of this process's fds are open on `path` (the agent runs in the test process).
    func openDescriptors(on path: String) -> Int {
        let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        return fds.filter { (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/" + $0)) == path }.count
    }

    /// A client that leaves a follow of a quiet task (nothing more to write, so no write can fail)
    /// ends the agent's reading: its file is closed.
    @Test func aClientLeavingAFollowEndsTheAgentsReading() async throws {
        try await withAPI { api in
            let config = #"stdout_string = "once\n""# + "\n" + #"run_for = "1h""#
            let answer = try await api.client.submitJob(source: mockJob("quiet", config: config), filename: "q.hcl")
            let id = answer.allocations[0]
            _ = try await running(api, id)
            let log = api.agent.settings.allocRoot + "/" + id + "/alloc/logs/main.stdout"
            do {
                let stream = try await api.client.logs(alloc: id, task: nil, follow: true)
                for try await chunk in stream where !chunk.isEmpty { break }
                #expect(openDescriptors(on: log) >= 1, "the follow is not reading the log")
            }
            // The iteration stopped: the client closed its connection.
            let deadline = ContinuousClock.now + .seconds(20)
            while openDescriptors(on: log) > 0, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(openDescriptors(on: log) == 0, "the agent kept following for a client that left")
        }
    }
}
