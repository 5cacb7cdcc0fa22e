/// Where a placement rule was written: the job, a group, or a task of a group. On one node a rule of
/// any level decides whether the job runs at all.
package enum PlacementScope: Codable, Equatable, Sendable, CustomStringConvertible {
    case job
    case group(String)
    case task(group: String, task: String)

    package var description: String {
        switch self {
        case .job: "job"
        case .group(let group): "group \"\(group)\""
        case .task(let group, let task): "task \"\(task)\" in group \"\(group)\""
        }
    }
}

/// Nomad's `constraint`: `attribute operator value`, where either side may name the node's facts
/// (`${attr.kernel.name}`, `${node.datacenter}`, `${meta.rack}`, ...). Checked by `ConstraintCheck`.
package struct Constraint: Codable, Equatable, Sendable {
    package var attribute: String
    package var `operator`: String
    package var value: String
    package var scope: PlacementScope

    package init(attribute: String = "", operator: String = "=", value: String = "", scope: PlacementScope = .job) {
        self.attribute = attribute
        self.operator = `operator`
        self.value = value
        self.scope = scope
    }

    /// Every operator Nomad takes, with its aliases.
    package static let operators: Set<String> = [
        "=", "==", "is", "!=", "not", ">", ">=", "<", "<=", "regexp", "set_contains", "set_contains_all",
        "set_contains_any", "version", "semver", "is_set", "is_not_set", "distinct_hosts", "distinct_property",
    ]

    /// Operators that need no value (`distinct_property`'s is an optional limit).
    package static let valueless: Set<String> = ["is_set", "is_not_set", "distinct_hosts", "distinct_property"]

    /// As Nomad prints it: `${attr.kernel.name} = linux`.
    package var text: String {
        switch `operator` {
        case "distinct_hosts": return "distinct_hosts"
        case "is_set", "is_not_set": return "\(attribute) \(`operator`)"
        default: return [attribute, `operator`, value].filter { !$0.isEmpty }.joined(separator: " ")
        }
    }
}

/// Nomad's `affinity` and `spread`: preferences among nodes. corral has one node, so they cannot
/// change where anything runs; they are kept to be reported as such, never dropped unseen.
package struct PlacementPreference: Codable, Equatable, Sendable {
    package enum Kind: String, Codable, Sendable { case affinity, spread }
    package var kind: Kind
    /// An affinity's rule (its weight aside); a spread's attribute in `attribute`.
    package var constraint: Constraint
    package var weight: Int

    package init(kind: Kind, constraint: Constraint, weight: Int) {
        self.kind = kind
        self.constraint = constraint
        self.weight = weight
    }
}
