import Foundation
import Testing

/// The runner core stays pure Swift over the driver API (docs/architecture.md, section 2): no Glibc, no C target, no
/// isolation or cgroup layer.
@Suite struct RunnerImportTests {
    @Test func runnerCoreImportsNoCAndNoLowerLayer() throws {
        let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Sources/CorralRunner")
        let forbidden = ["Glibc", "Musl", "CCorralLaunch", "CCorralHost", "CSeccomp", "CCap", "CNoSwiftRuntime",
                         "CorralIsolation", "CorralCgroups", "CorralExecDriver", "CorralSeccomp"]
        guard let files = FileManager.default.enumerator(atPath: sources.path) else {
            Issue.record("cannot list \(sources.path)")
            return
        }
        var checked = 0
        for case let file as String in files where file.hasSuffix(".swift") {
            let text = try String(contentsOfFile: sources.appendingPathComponent(file).path, encoding: .utf8)
            checked += 1
            for line in text.split(separator: "\n") {
                let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
                guard let index = words.firstIndex(of: "import"), index + 1 < words.count else { continue }
                let module = String(words[index + 1])
                #expect(!forbidden.contains(module), "\(file): imports \(module)")
            }
        }
        #expect(checked > 20, "expected the runner's sources under \(sources.path)")
    }
}
