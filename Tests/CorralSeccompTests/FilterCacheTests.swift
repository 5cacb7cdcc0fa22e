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
        let first = try SeccompCompiler(disk: FilterCache(directory: directory)).compile(text, source: "p", for: target)
        // A second compiler stands for the next corral process: it finds the entry instead of compiling.
        let entries = try FileManager.default.contentsOfDirectory(atPath: directory)
        #expect(entries.count == 1)
        let second = try SeccompCompiler(disk: FilterCache(directory: directory)).compile(text, source: "p", for: target)
        #expect(second == first)
    }

    @Test func filtersThatSkippedUnknownCallsAreNotStored() throws {
        defer { cleanUp() }
        let text = #"{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["no_such_call"], "action": "SCMP_ACT_ALLOW"}]}"#
        _ = try SeccompCompiler(disk: FilterCache(directory: directory)).compile(text, source: "p", for: target)
        #expect((try? FileManager.default.contentsOfDirectory(atPath: directory))?.isEmpty ?? true)
    }
}
