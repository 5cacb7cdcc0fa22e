import CorralDriver
@testable import CorralExecDriver
import CorralIsolation
import CorralTestFiles
import Foundation
import Testing

/// A hostile image against the exec driver's users: its `/etc` makes `nobody` root and adds an
/// alias `toor` of uid 0 in root's and disk's groups. The default user stays 65534:65534 with no
/// groups; an agent's denylist of root refuses `toor`, `0`, `00` and group 0 at the start, on the
/// identity the image resolves, before anything is created.
@Suite(.serialized, .enabled(if: DriverTests.enabled, DriverTests.comment))
struct ExecDriverHostileUserTests {
    /// An image of busybox (static) as /bin/sh, with the hostile `/etc`.
    static func hostileImage() throws -> String {
        let image = NSTemporaryDirectory() + "corral-hostile-users-" + UUID().uuidString.prefix(8)
        for directory in ["bin", "etc", "tmp"] {
            try FileManager.default.createDirectory(atPath: image + "/" + directory, withIntermediateDirectories: true)
        }
        try ExecutableFile.copy("/bin/busybox", to: image + "/bin/busybox")
        for applet in ["sh", "id", "cat"] { try FileManager.default.createSymbolicLink(atPath: image + "/bin/" + applet, withDestinationPath: "busybox") }
        try "root:x:0:0::/:/bin/sh\nnobody:x:0:0::/:/bin/sh\ntoor:x:0:0::/:/bin/sh\n"
            .write(toFile: image + "/etc/passwd", atomically: true, encoding: .utf8)
        try "root:x:0:nobody,toor\ndisk:x:6:nobody,toor\n".write(toFile: image + "/etc/group", atomically: true, encoding: .utf8)
        return image
    }

    static func policy(image: String) -> DriverPolicy {
        DriverPolicy(rawExecEnabled: false, allowedCapabilities: nil, bindAllowlist: [], deviceAllowlist: [], protectedPaths: [],
                     imageAllowlist: [image], allowSuidWritableSources: true, hostNamespaces: .denied,
                     users: UserPolicy(allow: nil, deny: [UserPolicy.Entry(written: "root", uid: 0, gids: [0])]))
    }

    @Test func theDefaultUserIsNobodyWhateverTheImageSays() async throws {
        guard FileManager.default.isExecutableFile(atPath: "/bin/busybox") else { return }
        let image = try Self.hostileImage()
        defer { try? FileManager.default.removeItem(atPath: image) }
        let fixture = try DriverFixture()
        defer { fixture.finish() }
        var options = fixture.options
        options.policy = Self.policy(image: image)
        let driver = ExecDriver(options: options)
        let handle = try await driver.start(fixture.task(fixture.shell("id -u; id -g; id -G", ["image": .string(image)])))
        let result = try await driver.wait(handle.id)
        try await driver.destroy(handle.id, force: false)
        #expect(result.exitCode == 0)
        #expect(fixture.stdout() == "65534\n65534\n65534\n", "\(fixture.stdout())")
    }

    @Test(arguments: ["toor", "0", "00", "root", "nobody", "65534:0", "65534:root"])
    func rootByAnyNameIsRefusedAtTheStart(user: String) async throws {
        guard FileManager.default.isExecutableFile(atPath: "/bin/busybox") else { return }
        let image = try Self.hostileImage()
        defer { try? FileManager.default.removeItem(atPath: image) }
        let fixture = try DriverFixture()
        defer { fixture.finish() }
        var options = fixture.options
        options.policy = Self.policy(image: image)
        let driver = ExecDriver(options: options)
        do {
            let handle = try await driver.start(fixture.task(fixture.shell("id -u"), user: user).withImage(image))
            try await driver.destroy(handle.id, force: true)
            Issue.record("\(user) started: \(fixture.stdout())")
        } catch {
            guard case .startFailed(let reason, let recoverable) = error else { Issue.record("\(error)"); return }
            #expect(!recoverable)
            #expect(reason.contains("user_denylist"), "\(reason)")
        }
        #expect(fixture.stdout().isEmpty)
    }
}

extension TaskConfig {
    func withImage(_ image: String) -> TaskConfig {
        var config = self
        config.driverConfig["image"] = .string(image)
        return config
    }
}
