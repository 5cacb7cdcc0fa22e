/// Whether a job may be placed on this node: its `region` must be the node's, its `namespace` one the
/// node knows, and its `datacenters` must include the node's (each entry may hold `*` wildcards, as
/// Nomad's do). Nomad refuses a job for another region at submission and leaves a job for other
/// datacenters unplaced; corral has one node, so both refuse the job before anything starts, worded
/// as Nomad words them, instead of running it somewhere it did not ask for.
package enum JobPlacement {
    /// Every reason the job cannot be placed on `node`; empty when it can.
    package static func problems(_ job: Job, node: NodeInfo, namespaces: [String] = ["default"]) -> [String] {
        var problems: [String] = []
        // As Nomad's agent does: a job of no region, or of the default one, is for this node's region.
        if job.region != node.region && !job.region.isEmpty && job.region != "global" {
            problems.append("job \"\(job.id)\" is for region \"\(job.region)\": No path to region "
                            + "(this node is in region \"\(node.region)\")")
        }
        if !namespaces.contains(job.namespace) {
            problems.append("job \"\(job.id)\": namespace \"\(job.namespace)\" does not exist "
                            + "(this node has \(namespaces.map { "\"\($0)\"" }.joined(separator: ", ")))")
        }
        if !job.datacenters.contains(where: { matches($0, node.datacenter) }) {
            let listed = job.datacenters.map { "\"\($0)\"" }.joined(separator: ", ")
            problems.append("job \"\(job.id)\" failed to place: No nodes were eligible for evaluation: "
                            + "no node is in datacenters [\(listed)] (this node is in datacenter \"\(node.datacenter)\")")
        }
        return problems
    }

    /// Nomad's datacenter glob: `*` stands for any run of characters (none included); everything else
    /// is literal.
    package static func matches(_ pattern: String, _ name: String) -> Bool {
        let parts = pattern.split(separator: "*", omittingEmptySubsequences: false).map(Array.init)
        let text = Array(name)
        guard parts.count > 1 else { return text == parts[0] }
        guard text.starts(with: parts[0]) else { return false }
        var position = parts[0].count
        for part in parts.dropFirst().dropLast() {
            guard let found = find(part, in: text, from: position) else { return false }
            position = found + part.count
        }
        let last = parts[parts.count - 1]
        return text.count - position >= last.count && text.suffix(last.count).elementsEqual(last)
    }

    private static func find(_ part: [Character], in text: [Character], from start: Int) -> Int? {
        guard !part.isEmpty else { return start }
        var index = start
        while index + part.count <= text.count {
            if text[index..<(index + part.count)].elementsEqual(part) { return index }
            index += 1
        }
        return nil
    }
}
