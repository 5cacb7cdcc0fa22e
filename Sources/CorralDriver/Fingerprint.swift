/// What a driver found on the host: whether it can run tasks here, and the node attributes it
/// contributes (`kernel.name`, `cpu.numcores`, `cpu.totalcompute`, `memory.totalbytes`,
/// `os.cgroups.memory` …), as Nomad's fingerprinters report them. Values are strings, as `${attr.*}`
/// interpolates them.
package struct Fingerprint: Codable, Equatable, Sendable {
    package enum Health: String, Codable, Sendable {
        case healthy, unhealthy, undetected
    }

    package var health: Health
    /// Why the driver is unhealthy or undetected; empty when healthy.
    package var healthDescription: String
    package var attributes: [String: String]

    package init(health: Health, healthDescription: String = "", attributes: [String: String] = [:]) {
        self.health = health
        self.healthDescription = healthDescription
        self.attributes = attributes
    }

    enum CodingKeys: String, CodingKey {
        case health, attributes
        case healthDescription = "health_description"
    }

    /// `cpu.totalcompute`: the node's CPU in MHz (cores × MHz), which percent ticks are a share of.
    package var totalComputeMHz: Double? { attributes["cpu.totalcompute"].flatMap(Double.init) }
    /// `cpu.numcores`.
    package var cpuCount: Int? { attributes["cpu.numcores"].flatMap(Int.init) }
}
