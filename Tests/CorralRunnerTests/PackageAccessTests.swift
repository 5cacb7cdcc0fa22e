import Foundation
import Testing

/// `public` only for real API (docs/architecture.md, section 6): what another package imports, which
/// is today the HCL syntax layer of `CorralJobspec` for the fuzzer in `Fuzz/`. Everything that only
/// crosses targets inside corral is `package`.
@Suite struct PackageAccessTests {
    /// Where `public` may be written.
    static let api = ["CorralJobspec/HCL/", "CorralJobspec/Job/JobspecDiagnostic.swift"]

    @Test func publicIsOnlyTheHCLSyntaxLayer() throws {
        let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Sources")
        guard let files = FileManager.default.enumerator(atPath: sources.path) else {
            Issue.record("cannot list \(sources.path)")
            return
        }
        var checked = 0, api = 0
        for case let file as String in files where file.hasSuffix(".swift") {
            let text = try String(contentsOfFile: sources.appendingPathComponent(file).path, encoding: .utf8)
            checked += 1
            let allowed = Self.api.contains { file.hasPrefix($0) }
            for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let code = line.drop { $0 == " " }
                guard !code.hasPrefix("//") else { continue }
                let words = code.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "(" })
                guard words.contains("public") || words.contains("open") && words.contains("class") else { continue }
                if allowed { api += 1 } else { Issue.record("\(file):\(number + 1): `public` outside the API; use `package`") }
            }
        }
        #expect(checked > 200, "expected corral's sources under \(sources.path)")
        #expect(api > 10, "the HCL syntax layer is the package's API")
    }
}
