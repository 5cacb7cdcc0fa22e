import CoreMetrics
import CorralAgent
import CorralAPI
import CorralDriver
import CorralRunner
import CorralRunnerTestSupport
import Foundation
import Logging

/// An agent over the mock driver and an in-memory store in a temporary data directory: no root,
/// no processes. Two fixtures may share a driver and a store to play an agent restart (the mock
/// driver's tasks keep "running" in between, as supervised tasks do).
struct AgentFixture {
    let agent: Agent
    let driver: MockDriver
    let store: MemoryStateStore
    let dataDir: String

    static func node(memoryMiB: Int = 4096, cpuMHz: Int = 8000) -> NodeInfo {
        NodeInfo(id: "node-1", name: "test-node",
                 attributes: ["memory.totalbytes": String(memoryMiB << 20), "cpu.totalcompute": String(cpuMHz),
                              "kernel.name": "linux"])
    }

    init(driver: MockDriver = MockDriver(), store: MemoryStateStore = MemoryStateStore(), dataDir: String? = nil,
         metricsFactory: any MetricsFactory = NOOPMetricsHandler.instance, registerDriver: Bool = true,
         mockDriver: (any TaskDriver)? = nil, extraDrivers: [String: any TaskDriver] = [:],
         taskDirBuilder: any TaskDirBuilder = PlainTaskDirBuilder(),
         configure: (inout AgentSettings) -> Void = { _ in },
         node: (inout NodeInfo) -> Void = { _ in }) {
        // Short: the API socket lives in it, and a unix socket path has at most 107 bytes.
        let dataDir = dataDir ?? NSTemporaryDirectory() + "corral-agent-" + UUID().uuidString.prefix(8)
        try? FileManager.default.createDirectory(atPath: dataDir, withIntermediateDirectories: true)
        var settings = AgentSettings()
        settings.dataDir = dataDir
        settings.socketPath = dataDir + "/api.sock"
        settings.maxKillTimeout = .seconds(2)
        configure(&settings)
        var logger = Logger(label: "corral.agent.test")
        logger.logLevel = .critical
        let drivers = (registerDriver ? ["mock": mockDriver ?? driver] : [:]).merging(extraDrivers) { first, _ in first }
        var nodeInfo = Self.node()
        node(&nodeInfo)
        self.agent = Agent(settings: settings, node: nodeInfo, drivers: drivers,
                           fingerprints: ["mock": Fingerprint(health: .healthy)], store: store,
                           taskDirBuilder: taskDirBuilder, metricsFactory: metricsFactory, logger: logger)
        self.driver = driver
        self.store = store
        self.dataDir = dataDir
    }

    func remove() { try? FileManager.default.removeItem(atPath: dataDir) }

    /// Reads the allocation with blocking queries until `condition` holds (or `timeout` passes).
    func waitFor(_ alloc: String, timeout: Duration = .seconds(10),
                 _ condition: (AllocDetail) -> Bool) async throws -> AllocDetail {
        var detail = try await agent.allocation(alloc)
        let deadline = ContinuousClock.now + timeout
        while !condition(detail) {
            guard ContinuousClock.now < deadline else { throw FixtureError.timedOut(detail) }
            detail = try await agent.allocation(alloc, after: detail.stub.modifyIndex, timeout: deadline - ContinuousClock.now)
        }
        return detail
    }

    enum FixtureError: Error { case timedOut(AllocDetail) }
}

/// A one-group job file for the mock driver.
func mockJob(_ id: String, type: String = "service", count: Int = 1, config: String = "run_for = \"1h\"",
             memory: Int = 16, tasks: [String] = ["main"]) -> String {
    let taskBlocks = tasks.map { name in
        """
            task "\(name)" {
              driver = "mock"
              config { \(config) }
              resources {
                cpu    = 20
                memory = \(memory)
              }
            }
        """
    }.joined(separator: "\n")
    return """
    job "\(id)" {
      type = "\(type)"
      group "g" {
        count = \(count)
    \(taskBlocks)
      }
    }
    """
}
