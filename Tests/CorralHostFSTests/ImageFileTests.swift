@testable import CorralHostFS
import Foundation
import Testing

/// An image's /etc/passwd read by the host: inside the image whatever its links say, never
/// blocking, never more than the bound, with an error that says what is wrong.
@Suite struct ImageFileTests {
    func makeImage(_ root: String) throws {
        try FileManager.default.createDirectory(atPath: root + "/etc", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: root + "/dev", withIntermediateDirectories: true)
    }

    @Test func readsTheImagesFileAndNothingMissing() throws {
        try withScratch { root in
            try makeImage(root)
            try write("root:x:0:0::/root:/bin/sh\n", to: root + "/etc/passwd")
            #expect(try ImageFile.readText("/etc/passwd", inRoot: root) == "root:x:0:0::/root:/bin/sh\n")
            #expect(try ImageFile.readText("/etc/group", inRoot: root) == nil)
        }
    }

    /// Absolute and relative links, however many `..`, resolve inside the image.
    @Test(arguments: ["/etc/shadow", "../../../../../../etc/shadow", "/../../etc/shadow", "../etc/shadow"])
    func linksStayInsideTheImage(_ target: String) throws {
        try withScratch { root in
            try makeImage(root)
            try write("image-shadow\n", to: root + "/etc/shadow")
            try FileManager.default.createSymbolicLink(atPath: root + "/etc/passwd", withDestinationPath: target)
            #expect(try ImageFile.readText("/etc/passwd", inRoot: root) == "image-shadow\n")
        }
    }

    @Test func magicLinksAreRefused() throws {
        try withScratch { root in
            try makeImage(root)
            try FileManager.default.createDirectory(atPath: root + "/proc", withIntermediateDirectories: true)
            // Inside the root this is a plain (missing) path; through a real /proc it would be the host's.
            try FileManager.default.createSymbolicLink(atPath: root + "/etc/passwd", withDestinationPath: "/proc/self/root/etc/passwd")
            #expect(try ImageFile.readText("/etc/passwd", inRoot: root) == nil)
        }
    }

    /// A FIFO (an open would wait for a writer forever), /dev/zero (endless), a directory, a huge
    /// sparse file: each a quick, clear error.
    @Test func hostileAccountFilesAreQuickClearErrors() throws {
        try withScratch { root in
            try makeImage(root)
            try makeFIFO(root + "/etc/passwd")
            try FileManager.default.createDirectory(atPath: root + "/etc/group", withIntermediateDirectories: true)
            try write("", to: root + "/etc/big")
            try #require(truncate(root + "/etc/big", 1 << 40) == 0)
            let elapsed = try seconds {
                let fifo = #expect(throws: HostFSError.self) { try ImageFile.readText("/etc/passwd", inRoot: root) }
                #expect(fifo?.description == "open \(root)/etc/passwd: not a regular file (a FIFO)")
                let directory = #expect(throws: HostFSError.self) { try ImageFile.readText("/etc/group", inRoot: root) }
                #expect(directory?.description.contains("a directory") == true)
                let big = #expect(throws: HostFSError.self) { try ImageFile.readText("/etc/big", inRoot: root) }
                #expect(big?.description.contains("larger than 4 MiB") == true)
            }
            #expect(elapsed < 5)
            // The host's /dev/zero is not reachable through an image link; the host's own /dev is
            // the only way there, refused as a device.
            let zero = #expect(throws: HostFSError.self) { try ImageFile.readText("/zero", inRoot: "/dev") }
            #expect(zero?.description.contains("a character device") == true)
        }
    }
}
