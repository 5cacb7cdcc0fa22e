@testable import CorralRunner
import Testing

/// Constraints against this node's facts, with Nomad's operators and wording.
@Suite struct ConstraintCheckTests {
    let node = NodeInfo(id: "id-1", name: "node-1", datacenter: "dc1", region: "global", nodeClass: "gpu",
                        attributes: ["kernel.name": "linux", "cpu.arch": "amd64", "cpu.numcores": "8",
                                     "driver.exec": "1", "os.version": "12", "kernel.version": "6.1.0",
                                     "unique.storage.volume": "/dev/sda1", "kernel.flags": "a,b, c"],
                        meta: ["rack": "r1", "zone": "z-2"])

    func job(_ constraints: [Constraint], count: Int = 1) -> Job {
        Job(id: "web", groups: [TaskGroup(name: "g", count: count, tasks: [TaskSpec(name: "t", driver: "exec")])],
            constraints: constraints)
    }

    func problems(_ job: Job) -> [String] { ConstraintCheck.problems(job, node: node) }

    func met(_ attribute: String, _ operation: String, _ value: String = "") -> Bool {
        problems(job([Constraint(attribute: attribute, operator: operation, value: value)])).isEmpty
    }

    @Test func targetsReadTheNodesFacts() {
        #expect(ConstraintCheck.resolve("${attr.kernel.name}", node: node) == "linux")
        #expect(ConstraintCheck.resolve("${node.unique.name}", node: node) == "node-1")
        #expect(ConstraintCheck.resolve("${node.unique.id}", node: node) == "id-1")
        #expect(ConstraintCheck.resolve("${node.datacenter}", node: node) == "dc1")
        #expect(ConstraintCheck.resolve("${node.class}", node: node) == "gpu")
        #expect(ConstraintCheck.resolve("${meta.rack}", node: node) == "r1")
        #expect(ConstraintCheck.resolve("${attr.nope}", node: node) == nil)
        #expect(ConstraintCheck.resolve("${unknown.thing}", node: node) == nil)
        #expect(ConstraintCheck.resolve("linux", node: node) == "linux")
    }

    @Test func equalityAndItsAliases() {
        for operation in ["=", "==", "is"] {
            #expect(met("${attr.kernel.name}", operation, "linux"))
            #expect(!met("${attr.kernel.name}", operation, "windows"))
            #expect(!met("${attr.missing}", operation, "linux"))
        }
        for operation in ["!=", "not"] {
            #expect(met("${attr.kernel.name}", operation, "windows"))
            #expect(!met("${attr.kernel.name}", operation, "linux"))
            #expect(met("${attr.missing}", operation, "linux"), "an unset attribute differs from any value")
        }
    }

    @Test func orderIsNumericWhenBothAreNumbers() {
        #expect(met("${attr.cpu.numcores}", ">=", "4"))
        #expect(met("${attr.cpu.numcores}", ">", "10") == false, "8 > 10 as numbers, not as text")
        #expect(met("${attr.cpu.numcores}", "<", "10"))
        #expect(met("${attr.cpu.numcores}", "<=", "8"))
        #expect(met("${meta.zone}", ">", "z-1"), "text against text")
        #expect(!met("${attr.missing}", "<", "1"))
        #expect(!met("nan", ">", "1") && !met("nan", "<=", "1"), "nothing is ordered against NaN")
    }

    @Test func setsAndPatterns() {
        #expect(met("${attr.kernel.flags}", "set_contains", "a,c"))
        #expect(met("${attr.kernel.flags}", "set_contains_all", "b"))
        #expect(!met("${attr.kernel.flags}", "set_contains", "a,d"))
        #expect(met("${attr.kernel.flags}", "set_contains_any", "d, c"))
        #expect(!met("${attr.kernel.flags}", "set_contains", ","), "empty items count, as in Nomad")
        #expect(met("${attr.kernel.flags}", "set_contains", " a\n, c "))
        #expect(!met("${attr.kernel.flags}", "set_contains_any", "d,e"))
        #expect(met("${attr.unique.storage.volume}", "regexp", "^/dev/sd"))
        #expect(met("${attr.kernel.name}", "regexp", "inu"), "a search, not a whole match")
        #expect(!met("${attr.kernel.name}", "regexp", "^win"))
        #expect(met("${attr.driver.exec}", "is_set"))
        #expect(!met("${attr.driver.docker}", "is_set"))
        #expect(met("${attr.driver.docker}", "is_not_set"))
    }

    @Test(arguments: [
        ("6.1.0", ">= 4.0", true), ("6.1.0", ">= 4.0, < 6.1", false), ("6.1.0", "~> 6.0", true), ("6.1.0", "~> 6.0.1", false),
        ("1.2.9", "~> 1.2.3", true), ("1.3.0", "~> 1.2.3", false), ("2.0", "!= 2.0.0", false), ("v1.5", "= 1.5", true),
        ("1.0.0-beta.2", ">= 0.9", false), ("1.0.0-beta.2", ">= 1.0.0-beta.1", true), ("1.0.0+build5", "= 1.0.0", true),
        ("not-a-version", ">= 1", false), ("1.2", "garbage", false),
        ("5.0", "~> 9223372036854775807.0", false), ("9223372036854775807.1", "~> 9223372036854775807.0", true),
        ("99999999999999999999", ">= 1", false), ("7.0", "~> 1", true), ("0.9", "~> 1", false),
        ("1.2.3.4.5.6", ">= 1.2.3.4.5", true),
    ])
    func versions(version: String, constraint: String, holds: Bool) {
        let parsed = LooseVersion(version)
        #expect((parsed.map { LooseVersion.satisfies($0, constraint, strict: false) } ?? false) == holds)
    }

    @Test func semverOrdersPreReleasesAsSemanticVersioningDoes() {
        let beta = LooseVersion("1.0.0-beta.11")!
        #expect(LooseVersion.compare(beta, LooseVersion("1.0.0-beta.2")!) == 1, "numeric identifiers compare as numbers")
        #expect(LooseVersion.compare(LooseVersion("1.0.0-alpha")!, LooseVersion("1.0.0-alpha.1")!) == -1)
        #expect(LooseVersion.compare(LooseVersion("1.0.0-rc.1")!, LooseVersion("1.0.0")!) == -1)
        #expect(LooseVersion.satisfies(beta, ">= 1.0.0-alpha", strict: true))
    }

    @Test func distinctHostsAndPropertiesCountAllocationsOnOneNode() {
        #expect(problems(job([Constraint(operator: "distinct_hosts")])).isEmpty)
        let many = problems(job([Constraint(operator: "distinct_hosts")], count: 3))
        #expect(many == ["job \"web\" failed to place: Constraint \"distinct_hosts\": 1 node filtered "
                         + "(3 allocations need as many hosts; this is one node)"])
        let property = Constraint(attribute: "${meta.rack}", operator: "distinct_property", value: "2", scope: .group("g"))
        #expect(problems(job([property], count: 2)).isEmpty)
        #expect(problems(job([property], count: 3)).count == 1)
    }

    @Test func anUnmetConstraintIsWordedAsNomadWordsIt() {
        let windows = Constraint(attribute: "${attr.kernel.name}", operator: "=", value: "windows", scope: .task(group: "g", task: "t"))
        #expect(problems(job([windows])) == [
            "job \"web\" failed to place task \"t\" in group \"g\": Constraint \"${attr.kernel.name} = windows\": "
                + "1 node filtered (this node's ${attr.kernel.name} is \"linux\")",
        ])
    }

    @Test func affinitiesAndSpreadsAreReportedNeverApplied() {
        var preferring = job([])
        preferring.preferences = [
            PlacementPreference(kind: .affinity, constraint: Constraint(attribute: "${meta.rack}", value: "r1"), weight: 50),
            PlacementPreference(kind: .affinity, constraint: Constraint(attribute: "${meta.rack}", value: "r9", scope: .group("g")),
                                weight: -20),
            PlacementPreference(kind: .spread, constraint: Constraint(attribute: "${node.datacenter}", operator: ""), weight: 100),
        ]
        #expect(problems(preferring).isEmpty)
        #expect(ConstraintCheck.notes(preferring, node: node) == [
            "affinity \"${meta.rack} = r1\" (weight 50) in job: this node matches; with one node it changes nothing",
            "affinity \"${meta.rack} = r9\" (weight -20) in group \"g\": this node does not match; with one node it changes nothing",
            "spread over ${node.datacenter} (weight 100) in job: one node, so there is nothing to spread over",
        ])
    }
}
