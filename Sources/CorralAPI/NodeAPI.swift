import CorralRunner
import Foundation

/// `GET /v1/node`: the node the agent runs, what its drivers found, and what is allocated.
package struct NodeResponse: Codable, Equatable, Sendable {
    package var node: NodeInfo
    package var drivers: [String: DriverStatus]
    /// Totals of the node (memory in MiB, CPU in MHz as Nomad counts it), or nil when unknown.
    package var memoryMiB: Int?
    package var cpuMHz: Int?
    /// What the allocations that are not terminal reserve.
    package var reservedMemoryMiB: Int
    package var reservedCPUMHz: Int
    package var allocations: AllocCounts
    /// What degrades the node now (a state store that refuses writes); nil or empty: nothing.
    package var problems: [String]?

    package init(node: NodeInfo, drivers: [String: DriverStatus], memoryMiB: Int?, cpuMHz: Int?, reservedMemoryMiB: Int,
                reservedCPUMHz: Int, allocations: AllocCounts, problems: [String]? = nil) {
        self.problems = problems
        self.node = node
        self.drivers = drivers
        self.memoryMiB = memoryMiB
        self.cpuMHz = cpuMHz
        self.reservedMemoryMiB = reservedMemoryMiB
        self.reservedCPUMHz = reservedCPUMHz
        self.allocations = allocations
    }

    enum CodingKeys: String, CodingKey {
        case node, drivers, allocations, problems
        case memoryMiB = "memory_mib"
        case cpuMHz = "cpu_mhz"
        case reservedMemoryMiB = "reserved_memory_mib"
        case reservedCPUMHz = "reserved_cpu_mhz"
    }
}

/// One driver on the node.
package struct DriverStatus: Codable, Equatable, Sendable {
    package var detected: Bool
    package var healthy: Bool
    package var description: String
    package var attributes: [String: String]

    package init(detected: Bool, healthy: Bool, description: String, attributes: [String: String]) {
        self.detected = detected
        self.healthy = healthy
        self.description = description
        self.attributes = attributes
    }
}

/// `GET /v1/agent/health`.
package struct HealthResponse: Codable, Equatable, Sendable {
    package var ok: Bool
    package var version: String
    package var uptimeSeconds: Double
    package var allocations: Int
    /// The agent serves, but something is wrong (`problems` says what): its state is not persisted.
    package var degraded: Bool?
    package var problems: [String]?

    package init(ok: Bool, version: String, uptimeSeconds: Double, allocations: Int, problems: [String] = []) {
        self.degraded = !problems.isEmpty
        self.problems = problems.isEmpty ? nil : problems
        self.ok = ok
        self.version = version
        self.uptimeSeconds = uptimeSeconds
        self.allocations = allocations
    }

    enum CodingKeys: String, CodingKey {
        case ok, version, allocations, degraded, problems
        case uptimeSeconds = "uptime_seconds"
    }
}
