@testable import CorralHostFS
import Foundation
import Testing

/// Resolving beneath an allocation directory: a link, a `..`, an absolute path or a mount point at
/// any component is an error; a FIFO, a device, a socket or a directory where a file is expected is
/// refused at once (never waited on).
@Suite struct HostDirectoryTests {
    /// `alloc/logs/web.stdout` in `root`, the way an allocation has it.
    func makeLog(_ root: String) throws {
        try FileManager.default.createDirectory(atPath: root + "/alloc/logs", withIntermediateDirectories: true)
        try write("hello\n", to: root + "/alloc/logs/web.stdout")
    }

    @Test func readsARegularFileBeneath() throws {
        try withScratch { root in
            try makeLog(root)
            let file = try HostDirectory.open(trusted: root).regularFile("alloc/logs/web.stdout")
            #expect(try file.readAll(limit: 100) == Array("hello\n".utf8))
            #expect(try HostDirectory.open(trusted: root).directory("alloc").regularFile("logs/web.stdout").size() == 6)
        }
    }

    /// A symlink at each component in turn, to a directory or file outside holding the same names.
    @Test(arguments: ["alloc", "alloc/logs", "alloc/logs/web.stdout"])
    func aSymlinkAtAnyComponentIsRefused(_ component: String) throws {
        try withScratch { base in
            let root = base + "/allocdir", outside = base + "/outside"
            try makeLog(root)
            try makeLog(outside)
            try write("host secret\n", to: outside + "/alloc/logs/web.stdout")
            let target = outside + "/" + component
            for link in [target, String(repeating: "../", count: 8) + String(target.dropFirst())] {
                try? FileManager.default.removeItem(atPath: root + "/" + component)
                try FileManager.default.createSymbolicLink(atPath: root + "/" + component, withDestinationPath: link)
                let directory = try HostDirectory.open(trusted: root)
                let error = #expect(throws: HostFSError.self) { try directory.regularFile("alloc/logs/web.stdout") }
                #expect(error?.isUnsafePath == true, "\(String(describing: error))")
                #expect(directory.identity(of: "alloc/logs/web.stdout") == nil || component == "alloc/logs/web.stdout")
            }
        }
    }

    @Test(arguments: ["../outside/secret", "/etc/passwd", "alloc/../../outside/secret", "/proc/self/root/etc/passwd"])
    func pathsLeavingTheDirectoryAreRefused(_ path: String) throws {
        try withScratch { base in
            try makeLog(base + "/allocdir")
            try FileManager.default.createDirectory(atPath: base + "/outside", withIntermediateDirectories: true)
            try write("secret", to: base + "/outside/secret")
            let directory = try HostDirectory.open(trusted: base + "/allocdir")
            #expect(throws: HostFSError.self) { try directory.regularFile(path) }
        }
    }

    /// A FIFO with no writer would block a plain open forever; a device or a socket is no log.
    @Test func nonRegularFilesAreRefusedWithoutBlocking() throws {
        try withScratch { root in
            try makeLog(root)
            try makeFIFO(root + "/alloc/logs/fifo")
            let directory = try HostDirectory.open(trusted: root)
            let elapsed = try seconds {
                let error = #expect(throws: HostFSError.self) { try directory.regularFile("alloc/logs/fifo") }
                #expect(error?.description.contains("a FIFO") == true, "\(String(describing: error))")
            }
            #expect(elapsed < 5)
            let error = #expect(throws: HostFSError.self) { try directory.regularFile("alloc/logs") }
            #expect(error?.description.contains("directory") == true)
            // A device, reached through a directory trusted for the test.
            let devices = try HostDirectory.open(trusted: "/dev")
            let deviceError = #expect(throws: HostFSError.self) { try devices.regularFile("zero") }
            #expect(deviceError?.description.contains("a character device") == true)
        }
    }

    @Test func boundedReadsRefuseWhatIsTooBig() throws {
        try withScratch { root in
            try makeLog(root)
            try #require(truncate(root + "/alloc/logs/web.stdout", 1 << 30) == 0)
            let file = try HostDirectory.open(trusted: root).regularFile("alloc/logs/web.stdout")
            let error = #expect(throws: HostFSError.self) { try file.readAll(limit: 1 << 20) }
            #expect(error?.errno == EFBIG)
            #expect(error?.description.contains("larger than 1 MiB") == true)
        }
    }
}
