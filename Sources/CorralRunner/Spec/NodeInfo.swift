/// What the runner knows of this host, for the task environment and `${node.*}`, `${attr.*}`,
/// `${meta.*}` interpolation.
package struct NodeInfo: Codable, Equatable, Sendable {
    package var id: String
    package var name: String
    package var datacenter: String
    package var region: String
    package var nodeClass: String
    /// Driver fingerprints and host facts (`kernel.name`, `cpu.totalcompute`, `memory.totalbytes`…).
    package var attributes: [String: String]
    package var meta: [String: String]

    package init(id: String = "", name: String = "", datacenter: String = "dc1", region: String = "global",
                nodeClass: String = "", attributes: [String: String] = [:], meta: [String: String] = [:]) {
        self.id = id
        self.name = name
        self.datacenter = datacenter
        self.region = region
        self.nodeClass = nodeClass
        self.attributes = attributes
        self.meta = meta
    }

    enum CodingKeys: String, CodingKey {
        case id, name, datacenter, region, attributes, meta
        case nodeClass = "class"
    }

    /// The node's total CPU in MHz (`cpu.totalcompute`), which turns a task's MHz into a share of the node.
    package var totalComputeMHz: Int? { attributes["cpu.totalcompute"].flatMap { Int($0) }.flatMap { $0 > 0 ? $0 : nil } }
}
