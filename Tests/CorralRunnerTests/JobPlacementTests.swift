@testable import CorralRunner
import Testing

/// A job names where it may run; a node that is not there refuses it, worded as Nomad words it.
@Suite struct JobPlacementTests {
    let node = NodeInfo(id: "n", name: "n", datacenter: "eu-west-1a", region: "europe")

    @Test(arguments: [
        ("*", true), ("eu-west-1a", true), ("eu-*", true), ("*-1a", true), ("eu*1a", true), ("e*w*a", true),
        ("**", true), ("eu-west-1a*", true), ("*eu-west-1a", true),
        ("dc1", false), ("eu-west-1", false), ("eu-west-1a-b", false), ("us-*", false), ("*-1b", false),
        ("eu*1a*x", false), ("", false), ("EU-WEST-1A", false),
    ])
    func datacenterWildcards(pattern: String, matches: Bool) {
        #expect(JobPlacement.matches(pattern, "eu-west-1a") == matches)
    }

    @Test func aJobThisNodeCanTakeHasNoProblems() {
        let job = Job(id: "web", region: "europe", datacenters: ["us-east-1", "eu-*"])
        #expect(JobPlacement.problems(job, node: node).isEmpty)
        // Nomad's defaults (every datacenter, the default namespace) fit any node of the region.
        #expect(JobPlacement.problems(Job(id: "web", region: "europe"), node: node).isEmpty)
    }

    @Test func anotherDatacenterIsRefusedNamingBoth() {
        let problems = JobPlacement.problems(Job(id: "web", region: "europe", datacenters: ["dc1", "us-*"]), node: node)
        #expect(problems == ["job \"web\" failed to place: No nodes were eligible for evaluation: no node is in "
                             + "datacenters [\"dc1\", \"us-*\"] (this node is in datacenter \"eu-west-1a\")"])
    }

    @Test func anotherRegionIsRefused() {
        let problems = JobPlacement.problems(Job(id: "web", region: "asia"), node: node)
        #expect(problems == ["job \"web\" is for region \"asia\": No path to region (this node is in region \"europe\")"])
    }

    @Test func aNamespaceTheNodeDoesNotHaveIsRefused() {
        let job = Job(id: "web", region: "europe", namespace: "team-a")
        #expect(JobPlacement.problems(job, node: node) == [
            "job \"web\": namespace \"team-a\" does not exist (this node has \"default\")",
        ])
        #expect(JobPlacement.problems(job, node: node, namespaces: ["default", "team-a"]).isEmpty)
    }

    @Test func everyProblemIsSaid() {
        let job = Job(id: "web", region: "asia", namespace: "x", datacenters: ["dc9"])
        #expect(JobPlacement.problems(job, node: node).count == 3)
    }

    @Test func aJobOfNoRegionOrTheDefaultOneIsForThisNodesRegion() {
        #expect(JobPlacement.problems(Job(id: "web", region: "global"), node: node).isEmpty)
        #expect(JobPlacement.problems(Job(id: "web", region: ""), node: node).isEmpty)
        #expect(JobPlacement.problems(Job(id: "web", region: "asia"), node: node).count == 1)
    }
}
