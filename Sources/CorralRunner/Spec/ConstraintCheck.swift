/// Checks a job's constraints against this node's facts, as Nomad's scheduler checks them against
/// each node (its `feasible.go`), and words a failure as Nomad does: `Constraint "${attr.kernel.name}
/// = windows": 1 node filtered`. corral has one node: a constraint it does not meet refuses the job.
///
/// `regexp` constraints are matched by `LinearRegex`: the pattern comes from whoever submits the job,
/// so no backtracking engine a pattern could stall is ever handed it.
package enum ConstraintCheck {
    /// Every constraint of `job` this node does not meet; empty when the job may run here.
    package static func problems(_ job: Job, node: NodeInfo) -> [String] {
        job.constraints.compactMap { constraint in
            guard let reason = unmet(constraint, job: job, node: node) else { return nil }
            let place = constraint.scope == .job ? "" : " \(constraint.scope)"
            return "job \"\(job.id)\" failed to place\(place): Constraint \"\(constraint.text)\": 1 node filtered (\(reason))"
        }
    }

    /// What each affinity and spread comes to on this one node (they never refuse a job).
    package static func notes(_ job: Job, node: NodeInfo) -> [String] {
        job.preferences.map { preference in
            let rule = preference.constraint
            switch preference.kind {
            case .affinity:
                let matches = unmet(rule, job: job, node: node) == nil
                return "affinity \"\(rule.text)\" (weight \(preference.weight)) in \(rule.scope): this node "
                    + (matches ? "matches" : "does not match") + "; with one node it changes nothing"
            case .spread:
                return "spread over \(rule.attribute) (weight \(preference.weight)) in \(rule.scope): "
                    + "one node, so there is nothing to spread over"
            }
        }
    }

    /// Why `constraint` is not met here, or nil when it is.
    static func unmet(_ constraint: Constraint, job: Job, node: NodeInfo) -> String? {
        let left = resolve(constraint.attribute, node: node)
        let right = resolve(constraint.value, node: node)
        let shown = "this node's \(constraint.attribute) is " + (left.map { "\"\($0)\"" } ?? "not set")
        switch constraint.operator {
        case "distinct_hosts":
            let count = allocations(constraint.scope, job)
            return count > 1 ? "\(count) allocations need as many hosts; this is one node" : nil
        case "distinct_property":
            let limit = Int(constraint.value) ?? 1
            let count = allocations(constraint.scope, job)
            guard left != nil else { return shown }
            return count > limit ? "\(count) allocations, at most \(limit) per value of \(constraint.attribute)" : nil
        default:
            return check(constraint.operator, left, right) ? nil : shown
        }
    }

    /// Nomad's checkConstraint, for the operators that compare two values.
    static func check(_ operation: String, _ left: String?, _ right: String?) -> Bool {
        switch operation {
        case "=", "==", "is": return left != nil && right != nil && left == right
        case "!=", "not": return left != right
        case "<", "<=", ">", ">=":
            guard let left, let right else { return false }
            return ordered(operation, left, right)
        case "is_set": return left != nil
        case "is_not_set": return left == nil
        case "version", "semver":
            guard let left, let right, let version = LooseVersion(left) else { return false }
            return LooseVersion.satisfies(version, right, strict: operation == "semver")
        case "regexp":
            guard let left, let right else { return false }
            return LinearRegex(right)?.matches(left) ?? false
        case "set_contains", "set_contains_all":
            guard let left, let right else { return false }
            return Set(items(right)).isSubset(of: items(left))
        case "set_contains_any":
            guard let left, let right else { return false }
            return !Set(items(right)).isDisjoint(with: items(left))
        default: return false
        }
    }

    /// A number against a number, else text against text.
    static func ordered(_ operation: String, _ left: String, _ right: String) -> Bool {
        let result: Int
        if let l = Int64(left), let r = Int64(right) {
            result = l < r ? -1 : (l == r ? 0 : 1)
        } else if let l = Double(left), let r = Double(right) {
            // As Go: nothing is ordered against NaN.
            guard !l.isNaN, !r.isNaN else { return false }
            result = l < r ? -1 : (l == r ? 0 : 1)
        } else {
            result = left < right ? -1 : (left == right ? 0 : 1)
        }
        switch operation {
        case "<": return result < 0
        case "<=": return result <= 0
        case ">": return result > 0
        default: return result >= 0
        }
    }

    /// Nomad's split: empty items count (`","` is two empty ones), each trimmed of white space.
    static func items(_ list: String) -> [String] {
        list.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmed(" \t\n\r\u{0B}\u{0C}\u{85}\u{A0}") }
    }

    /// How many allocations a rule's scope covers: the job's (every group's count) or the group's.
    static func allocations(_ scope: PlacementScope, _ job: Job) -> Int {
        switch scope {
        case .job: job.groups.reduce(0) { $0 + max($1.count, 0) }
        case .group(let name), .task(let name, _): max(job.group(named: name)?.count ?? 0, 0)
        }
    }

    /// A target: `${attr.X}`, `${node.…}` or `${meta.X}` read from the node (nil when it has no such
    /// fact), anything else as written.
    package static func resolve(_ target: String, node: NodeInfo) -> String? {
        guard target.hasPrefix("${"), target.hasSuffix("}"), target.count > 3 else { return target }
        let name = String(target.dropFirst(2).dropLast())
        switch name {
        case "node.unique.id": return node.id
        case "node.unique.name": return node.name
        case "node.datacenter": return node.datacenter
        case "node.region": return node.region
        case "node.class": return node.nodeClass
        case "node.pool": return "default"
        default:
            if name.hasPrefix("attr.") { return node.attributes[String(name.dropFirst(5))] }
            if name.hasPrefix("meta.") { return node.meta[String(name.dropFirst(5))] }
            return nil
        }
    }
}
