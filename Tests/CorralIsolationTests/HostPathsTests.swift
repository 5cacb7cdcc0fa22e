import CorralIsolation
import Foundation
import Testing

/// Host paths as the kernel reaches them (no privileges): symlinks resolved, missing tails taken
/// lexically, and overlaps judged by whole components.
@Suite struct HostPathsTests {
    @Test func resolvesSymlinksAndMissingTails() throws {
        let base = HostPaths.resolve(NSTemporaryDirectory()) + "/corral-hostpaths-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: base + "/real/sub", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: base) }
        try FileManager.default.createSymbolicLink(atPath: base + "/link", withDestinationPath: base + "/real")
        try FileManager.default.createSymbolicLink(atPath: base + "/up", withDestinationPath: "real/sub/../..")
        try FileManager.default.createSymbolicLink(atPath: base + "/loop", withDestinationPath: base + "/loop")
        #expect(HostPaths.resolve(base + "/link") == base + "/real")
        #expect(HostPaths.resolve(base + "/link/sub/") == base + "/real/sub")
        #expect(HostPaths.resolve(base + "/link/missing/dir") == base + "/real/missing/dir")
        #expect(HostPaths.resolve(base + "/link/missing/../..") == base)
        #expect(HostPaths.resolve(base + "/link/sub/..") == base + "/real", "through the link, not lexically")
        #expect(HostPaths.resolve(base + "/up") == base)
        #expect(HostPaths.resolve(base + "/loop/x") == base + "/loop/x", "a loop resolves no further")
        #expect(HostPaths.resolve("//") == "/")
    }

    @Test func overlapsAreByWholeComponents() {
        #expect(HostPaths.overlap("/run/corral", "/run/corral") == .same)
        #expect(HostPaths.overlap("/run/corral/tasks", "/run/corral") == .inside)
        #expect(HostPaths.overlap("/run", "/run/corral") == .above)
        #expect(HostPaths.overlap("/", "/run/corral") == .above)
        #expect(HostPaths.overlap("/run/corralx", "/run/corral") == nil)
        #expect(HostPaths.overlap("/run/cor", "/run/corral") == nil)
        #expect(HostPaths.overlap("/srv", "/run/corral") == nil)
        #expect(HostPaths.normalize("/a//b/./c/../d/") == "/a/b/d")
        #expect(HostPaths.normalize("/../..") == "/")
    }
}
