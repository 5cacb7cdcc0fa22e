import CorralDriver
import Testing

/// Task ids become directory and cgroup names: only unambiguous ones pass.
struct TaskIDTests {
    @Test(arguments: ["a/web/01", "a/web/+1", "a.b/web/0", "a b/web/0", "a/web/", "/web/0", "a/../0"])
    func ambiguousOrUnsafeIDsAreRefused(_ id: String) {
        #expect(throws: DriverError.invalidConfig(key: "id", reason: "\"\(id)\" is not allocID/taskName/restartCount")) {
            try TaskConfig.parseID(id)
        }
    }

    @Test func aTaskNameMayHoldDotsAndSpaces() throws {
        let parts = try TaskConfig.parseID("5f3c2a1e-77b1-4c1a/web.v2 api/10")
        #expect(parts.allocID == "5f3c2a1e-77b1-4c1a" && parts.task == "web.v2 api" && parts.restart == 10)
    }
}
