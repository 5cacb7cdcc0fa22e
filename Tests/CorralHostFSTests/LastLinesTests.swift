@testable import CorralHostFS
import Foundation
import Testing

/// The start of the last N lines, read backwards in bounded chunks: right across files, and quick
/// (bounded, and saying so) on a terabyte of zeros.
@Suite struct LastLinesTests {
    func files(_ root: String, _ parts: [String]) throws -> ([HostFile], [Int]) {
        let directory = try HostDirectory.open(trusted: root)
        var opened: [HostFile] = []
        for (index, part) in parts.enumerated() {
            try write(part, to: root + "/f\(index)")
            opened.append(try directory.regularFile("f\(index)"))
        }
        return (opened, parts.map { $0.utf8.count })
    }

    @Test func sizesThatCannotBeALogAreRefusedNotSummedIntoATrap() throws {
        // Two sparse files of almost 2^63 bytes each (possible on tmpfs, xfs, btrfs) overflow a sum.
        #expect(throws: HostFSError.self) { try LogTotal.of([Int.max - 1, Int.max - 1], path: "log") }
        #expect(throws: HostFSError.self) { try LogTotal.of([Int.max, 1], path: "log") }
        #expect(throws: HostFSError.self) { try LogTotal.of([-1], path: "log") }
        #expect(try LogTotal.of([1 << 40, 1 << 40, 5], path: "log") == (1 << 41) + 5)
        #expect(try LogTotal.of([], path: "log") == 0)
    }

    @Test func findsLinesAcrossFiles() throws {
        try withScratch { root in
            let (opened, sizes) = try files(root, ["a1\na2\n", "b1\nb2\n", "c1\nc2\n"])
            #expect(try LastLines.find(1, in: opened, sizes: sizes).offset == 15)
            #expect(try LastLines.find(3, in: opened, sizes: sizes).offset == 9)
            #expect(try LastLines.find(50, in: opened, sizes: sizes).offset == 0)
            #expect(try LastLines.find(0, in: opened, sizes: sizes).offset == 18)
            #expect(try LastLines.find(50, in: opened, sizes: sizes).limited == false)
        }
    }

    @Test func aLineLongerThanTheScanLimitIsCutAndSaidSo() throws {
        try withScratch { root in
            let long = String(repeating: "x", count: 300_000)
            let (opened, sizes) = try files(root, ["first\n" + long + "\n"])
            let found = try LastLines.find(2, in: opened, sizes: sizes, scanLimit: 100_000)
            #expect(found.limited)
            #expect(found.offset == sizes[0] - 100_000)
        }
    }

    /// A rotated log of 1 TiB of holes: the answer comes by seeking, in well under a second.
    @Test func aTerabyteSparseLogAnswersAtOnce() throws {
        try withScratch { root in
            try write("", to: root + "/big")
            try #require(truncate(root + "/big", 1 << 40) == 0)
            try write("last\n", to: root + "/live")
            let directory = try HostDirectory.open(trusted: root)
            let opened = [try directory.regularFile("big"), try directory.regularFile("live")]
            var found: LastLines?
            let elapsed = try seconds { found = try LastLines.find(10, in: opened, sizes: [1 << 40, 5]) }
            #expect(elapsed < 2)  // milliseconds alone; generous for a loaded test machine
            #expect(found?.limited == true)
            #expect(found?.offset == (1 << 40) + 5 - LastLines.defaultScanLimit)
        }
    }
}
