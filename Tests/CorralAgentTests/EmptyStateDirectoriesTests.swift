import Foundation
import Testing
@testable import CorralAgent

/// What an agent killed inside a start or a removal leaves under the state root (empty directories
/// of an allocation) is removed with it; anything with content is not.
@Suite struct EmptyStateDirectoriesTests {
    func root() throws -> String {
        let path = NSTemporaryDirectory() + "corral-state-prune-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test func anEmptySkeletonGoes() throws {
        let stateRoot = try root()
        defer { try? FileManager.default.removeItem(atPath: stateRoot) }
        for path in ["a1/main/0", "a1/main/1", "a1/side"] {
            try FileManager.default.createDirectory(atPath: stateRoot + "/" + path, withIntermediateDirectories: true)
        }
        EmptyStateDirectories.prune(stateRoot: stateRoot, allocationID: "a1")
        #expect(!FileManager.default.fileExists(atPath: stateRoot + "/a1"))
        #expect(FileManager.default.fileExists(atPath: stateRoot), "the state root itself stays")
    }

    @Test func aRunWithARecordStaysWithItsParents() throws {
        let stateRoot = try root()
        defer { try? FileManager.default.removeItem(atPath: stateRoot) }
        try FileManager.default.createDirectory(atPath: stateRoot + "/a2/main/3", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: stateRoot + "/a2/main/4", withIntermediateDirectories: true)
        try Data("{}".utf8).write(to: URL(fileURLWithPath: stateRoot + "/a2/main/3/handle.json"))
        EmptyStateDirectories.prune(stateRoot: stateRoot, allocationID: "a2")
        #expect(FileManager.default.fileExists(atPath: stateRoot + "/a2/main/3/handle.json"))
        #expect(!FileManager.default.fileExists(atPath: stateRoot + "/a2/main/4"), "the empty sibling goes")
    }

    @Test func namesThatLeaveTheStateRootAreIgnored() throws {
        let stateRoot = try root()
        defer { try? FileManager.default.removeItem(atPath: stateRoot) }
        let outside = try root()
        defer { try? FileManager.default.removeItem(atPath: outside) }
        try FileManager.default.createDirectory(atPath: outside + "/empty", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: stateRoot + "/link", withDestinationPath: outside)
        for name in ["..", ".", "", "../x", "link"] { EmptyStateDirectories.prune(stateRoot: stateRoot, allocationID: name) }
        #expect(FileManager.default.fileExists(atPath: outside + "/empty"), "nothing through a link or above the root")
        #expect(FileManager.default.fileExists(atPath: stateRoot))
    }
}
