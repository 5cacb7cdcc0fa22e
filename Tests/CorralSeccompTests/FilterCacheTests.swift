import CorralSeccomp
import Foundation
import Testing

@Suite struct FilterCacheTests {
    let directory = NSTemporaryDirectory() + "corral-filter-cache-" + UUID().uuidString + "/seccomp"
    let target = FilterTarget(capabilities: ["CAP_CHOWN"], kernel: "6.1")
    let text = #"{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW"}]}"#

    func cleanUp() { try? FileManager.default.removeItem(atPath: (directory as NSString).deletingLastPathComponent) }

    @Test func aStoredFilterIsFoundOnlyForTheSameTextAndTarget() throws {
        defer { cleanUp() }
        let cache = FilterCache(directory: directory)
        let filter = try SeccompCompiler().compile(text, source: "p", for: target)
        #expect(cache.load(text: text, source: "p", target: target) == nil)
        cache.store(filter, text: text, source: "p", target: target)
        #expect(cache.load(text: text, source: "p", target: target)?.program == filter.program)
        #expect(cache.load(text: text + " ", source: "p", target: target) == nil)
        var other = target
        other.capabilities.insert("CAP_SYS_ADMIN")
        #expect(cache.load(text: text, source: "p", target: other) == nil)
        other = target
        other.kernel = "6.2"
        #expect(cache.load(text: text, source: "p", target: other) == nil)
        var st = stat()
        #expect(stat(directory, &st) == 0 && st.st_mode & 0o777 == 0o700)
    }

    @Test func anEntryOthersCouldWriteIsIgnored() throws {
        defer { cleanUp() }
        let cache = FilterCache(directory: directory)
        let filter = try SeccompCompiler().compile(text, source: "p", for: target)
        cache.store(filter, text: text, source: "p", target: target)
        let entry = try #require(try FileManager.default.contentsOfDirectory(atPath: directory).first)
        chmod(directory + "/" + entry, 0o666)
        #expect(cache.load(text: text, source: "p", target: target) == nil)
    }

    @Test func aCompilerWithADiskCacheReusesWhatAnotherCompiled() throws {
        defer { cleanUp() }
        let first = SeccompCompiler(disk: FilterCache(directory: directory))
        let compiled = try first.compile(text, source: "p", for: target)
        #expect(first.compileCount == 1)
        // Mark the stored program (keeping the header): a compiler that reads the entry gets the mark.
        let entry = directory + "/" + (try #require(try FileManager.default.contentsOfDirectory(atPath: directory).first))
        var bytes = try #require(FileManager.default.contents(atPath: entry))
        bytes[bytes.count - 1] ^= 0xff
        try bytes.write(to: URL(fileURLWithPath: entry))
        chmod(entry, 0o600)
        // A second compiler stands for the next corral process: it takes the entry instead of compiling.
        let second = SeccompCompiler(disk: FilterCache(directory: directory))
        let reused = try second.compile(text, source: "p", for: target)
        #expect(second.compileCount == 0)
        #expect(reused.program.last == compiled.program.last.map { $0 ^ 0xff })
    }

    @Test func anEntryWithASecondNameIsIgnored() throws {
        defer { cleanUp() }
        let cache = FilterCache(directory: directory)
        cache.store(try SeccompCompiler().compile(text, source: "p", for: target), text: text, source: "p", target: target)
        let entry = directory + "/" + (try #require(try FileManager.default.contentsOfDirectory(atPath: directory).first))
        #expect(link(entry, directory + "/alias") == 0)
        #expect(cache.load(text: text, source: "p", target: target) == nil)
    }

    @Test func filtersThatSkippedUnknownCallsAreNotStored() throws {
        defer { cleanUp() }
        let text = #"{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["no_such_call"], "action": "SCMP_ACT_ALLOW"}]}"#
        _ = try SeccompCompiler(disk: FilterCache(directory: directory)).compile(text, source: "p", for: target)
        #expect((try? FileManager.default.contentsOfDirectory(atPath: directory))?.isEmpty ?? true)
    }
}
