import Foundation
import Testing
@testable import CorralJobspec

/// The job files in `examples/` (located from this file) all parse, with what they say.
@Suite struct HCLExampleTests {
    static let examplesDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("examples")

    static func exampleFiles() throws -> [URL] {
        try FileManager.default.contentsOfDirectory(at: examplesDirectory, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "hcl" }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
    }

    static func example(_ name: String) throws -> HCLBody {
        let text = try String(contentsOf: examplesDirectory.appendingPathComponent(name), encoding: .utf8)
        return try hcl(text)
    }

    @Test func everyExampleParses() throws {
        let files = try Self.exampleFiles()
        #expect(files.count >= 7)
        for file in files {
            let text = try String(contentsOf: file, encoding: .utf8)
            do {
                let body = try hcl(text)
                #expect(body.blocks.map(\.type) == ["job"], "\(file.lastPathComponent)")
                #expect(PositionTable(text).isConsistent(body), "\(file.lastPathComponent)")
            } catch {
                Issue.record("\(error)")
            }
        }
    }

    @Test func helloExample() throws {
        let job = try #require(try Self.example("hello.hcl").blocks.first)
        #expect(job.labels.map(\.value) == ["hello"])
        let task = try #require(job.body.blocks.first?.body.blocks.first)
        #expect(task.type == "task" && task.labels.first?.value == "say")
        let config = try #require(task.body.blocks.first { $0.type == "config" })
        let args = try #require(config.body.attributes.first { $0.name == "args" })
        #expect(args.value.list.map(\.kind) == [
            .string("-c"), .string("echo \"hello from ${NOMAD_TASK_NAME} in $(hostname)\""),
        ])
        #expect(at(args.nameRange.start) == "13:9")
        let resources = try #require(task.body.blocks.first { $0.type == "resources" })
        #expect(resources.body.attributes.map(\.value.kind) == [.number(100, text: "100"), .number(64, text: "64")])
    }

    @Test func devicesAndMountsExampleHasItsHeredocAndObjects() throws {
        let job = try #require(try Self.example("devices-mounts.hcl").blocks.first)
        let task = try #require(job.body.blocks.first?.body.blocks.first)
        let config = try #require(task.body.blocks.first { $0.type == "config" })
        let attributes = Dictionary(uniqueKeysWithValues: config.body.attributes.map { ($0.name, $0.value) })
        let args = try #require(attributes["args"]).list
        #expect(args.map(\.kind) == [.string("-c"), .string("""
            test -c /dev/host-full && echo "device /dev/host-full is here"
            head -n 1 /mnt/os-release
            touch /mnt/os-release 2>/dev/null || echo "the mount is read-only"

            """)])
        #expect(span(args[1].range) == "11:23-15:12")
        guard case .object(let device) = try #require(attributes["devices"]).list.first?.kind else {
            Issue.record("devices[0] is not an object")
            return
        }
        #expect(device.map(\.key) == ["host_path", "container_path", "cgroup_permissions"])
        guard case .object(let mount) = try #require(attributes["mounts"]).list.first?.kind else {
            Issue.record("mounts[0] is not an object")
            return
        }
        #expect(mount.last?.value.kind == .bool(true))
    }
}
