import CorralAgent
import CorralClient
import Foundation
import Logging
import Testing

/// The API socket grants root: the agent binds it only in a directory that is its own (a real
/// directory, owned by its user, writable by nobody else), and the socket comes out 0600 from
/// a private staging directory and is published (renamed into place) only once it is 0600.
@Suite struct AgentSocketDirectoryTests {
    static func server(_ fixture: AgentFixture) -> AgentServer {
        AgentServer(agent: fixture.agent, environment: .init(version: "test", registry: .init(), logger: Logger(label: "test")))
    }

    /// Each kind of directory another user could meddle with is refused, naming it and why.
    @Test(arguments: [(0o777 as mode_t, "writable by its group"), (0o1777, "writable by its group"), (0o757, "writable by others"),
                      (0o775, "writable by its group"), (0o722, "writable by its group")])
    func aDirectoryOthersMayWriteIsRefused(mode: mode_t, reason: String) throws {
        let fixture = AgentFixture()
        defer { fixture.remove() }
        let directory = fixture.dataDir + "/sock"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
        #expect(chmod(directory, mode) == 0)
        var settings = fixture.agent.settings
        settings.socketPath = directory + "/api.sock"
        let other = AgentFixture(dataDir: fixture.dataDir) { $0.socketPath = settings.socketPath }
        #expect {
            _ = try Self.server(other).services()
        } throws: { error in
            guard case let .unsafeSocketDirectory(path, dir, why) = error as? AgentServerError else { return false }
            #expect(path == settings.socketPath && dir == directory)
            #expect(why.contains(reason), "\(why)")
            return true
        }
        #expect(!FileManager.default.fileExists(atPath: settings.socketPath))
    }

    @Test func aSymlinkOrAnotherUsersDirectoryIsRefused() throws {
        let fixture = AgentFixture()
        defer { fixture.remove() }
        let real = fixture.dataDir + "/real"
        try FileManager.default.createDirectory(atPath: real, withIntermediateDirectories: false)
        #expect(chmod(real, 0o700) == 0)
        let link = fixture.dataDir + "/link"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: real)
        let viaLink = AgentFixture(dataDir: fixture.dataDir) { $0.socketPath = link + "/api.sock" }
        #expect(throws: AgentServerError.unsafeSocketDirectory(path: link + "/api.sock", directory: link,
                                                               reason: "is not a directory (a symlink is not followed)")) {
            _ = try Self.server(viaLink).services()
        }
        let owned = fixture.dataDir + "/owned"
        try FileManager.default.createDirectory(atPath: owned, withIntermediateDirectories: false)
        #expect(chown(owned, 4242, 4242) == 0 || geteuid() != 0)
        if geteuid() == 0 {
            let foreign = AgentFixture(dataDir: fixture.dataDir) { $0.socketPath = owned + "/api.sock" }
            #expect { _ = try Self.server(foreign).services() } throws: { error in
                guard case let .unsafeSocketDirectory(_, _, why) = error as? AgentServerError else { return false }
                return why.contains("owned by uid 4242")
            }
        }
    }

    /// An agent that died between binding its socket and publishing it left its staging directory:
    /// the next agent removes it (a live agent's is left alone).
    @Test func aDeadAgentsStagingDirectoryIsRemoved() async throws {
        let fixture = AgentFixture()
        defer { fixture.remove() }
        let directory = fixture.dataDir + "/sock"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
        #expect(chmod(directory, 0o700) == 0)
        // Above the kernel's largest pid: no such process can exist.
        let stale = directory + "/.corral-bind-4194305"
        try FileManager.default.createDirectory(atPath: stale, withIntermediateDirectories: false)
        #expect(FileManager.default.createFile(atPath: stale + "/s", contents: nil))
        let live = directory + "/.corral-bind-1"
        try FileManager.default.createDirectory(atPath: live, withIntermediateDirectories: false)
        let agent = AgentFixture(dataDir: fixture.dataDir) { $0.socketPath = directory + "/api.sock" }
        _ = try Self.server(agent).services()
        #expect(!FileManager.default.fileExists(atPath: stale))
        #expect(FileManager.default.fileExists(atPath: live), "pid 1 is alive: its directory is not ours to remove")
    }

    /// A missing directory is made 0700, and the socket is 0600 as the agent announces it.
    @Test func theSocketIsPrivateFromItsBind() async throws {
        let api = try await APIHarness.start { $0.socketPath = $0.dataDir + "/made/here/api.sock" }
        let path = api.agent.settings.socketPath
        var info = stat()
        #expect(stat(api.agent.settings.dataDir + "/made/here", &info) == 0 && info.st_mode & 0o7777 == 0o700)
        #expect(lstat(path, &info) == 0 && info.st_mode & 0o777 == 0o600, "\(String(info.st_mode, radix: 8))")
        #expect(try await api.client.jobs().isEmpty)
        await api.stop()
    }
}
