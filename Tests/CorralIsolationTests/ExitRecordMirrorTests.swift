import CCgroupFinish
import CExitRecord
import CorralJSON
import Foundation
import Testing
@testable import CorralIsolation

/// exit.json is written in C by the supervisor (`Sources/CExitRecord/exit_record.c`) and read in
/// Swift (`TaskExit.parse`): the C writer's records, for every kind of end and every combination of
/// counters the kernel may or may not expose, read back to the same values, and every key it writes
/// is one Swift reads (or a documented extra).
@Suite struct ExitRecordMirrorTests {
    /// Keys the supervisor writes that `TaskExit` does not read: kept for operators and other tools.
    static let extras: Set<String> = ["finished_at_unix_ns", "oom_kills"]
    static let read: Set<String> = ["task_pid", "exit_code", "signal", "core_dumped", "finished_at", "oom_killed",
                                    "resources", "log_dropped_bytes"]
    static let counters: Set<String> = ["memory_peak_bytes", "cpu_total_ns", "cpu_user_ns", "cpu_system_ns",
                                        "cpu_throttled_periods", "cpu_throttled_ns"]

    /// Writes a record with the C writer into a fresh directory and returns its text.
    func write(pid: pid_t, status: Int32, usage: cgroup_usage?, dropped: UInt64) throws -> String {
        let directory = NSTemporaryDirectory() + "corral-exit-record-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        try #require(fd >= 0)
        defer { close(fd) }
        let written: Int32
        if var usage { written = exit_record_write(fd, pid, status, &usage, dropped) } else {
            written = exit_record_write(fd, pid, status, nil, dropped)
        }
        try #require(written == 0, "exit_record_write: errno \(errno)")
        return try String(contentsOfFile: directory + "/exit.json", encoding: .utf8)
    }

    /// Wait statuses as the kernel encodes them: an exit code, a signal, a signal with a core dump.
    static let ends: [(status: Int32, code: Int32, signal: Int32, core: Bool)] = [
        (0, 0, 0, false), (7 << 8, 7, 0, false), (255 << 8, 255, 0, false),
        (9, 137, 9, false), (11 | 0x80, 139, 11, true), (15, 143, 15, false),
    ]

    @Test func everyEndAndEveryCombinationOfCountersReadsBack() throws {
        var checked = 0
        for end in Self.ends {
            for mask in 0..<16 {
                let value: UInt64 = mask & 8 != 0 ? .max : UInt64(mask + 1) * 1_000_003
                var usage = cgroup_usage()
                usage.oom_kills = mask & 1 != 0 ? 2 : 0
                usage.have_memory_peak = mask & 2 != 0 ? 1 : 0
                usage.memory_peak_bytes = value
                usage.have_cpu = mask & 4 != 0 ? 1 : 0
                (usage.cpu_total_ns, usage.cpu_user_ns, usage.cpu_system_ns) = (value, value / 2, value / 3)
                usage.have_throttling = mask & 8 != 0 ? 1 : 0
                (usage.throttled_periods, usage.throttled_ns) = (value / 5, value / 7)
                for withCgroup in [true, false] {
                    let text = try write(pid: 4242, status: end.status, usage: withCgroup ? usage : nil, dropped: value)
                    let exit = try TaskExit.parse(text)
                    #expect(exit.taskPID == 4242 && exit.exitCode == end.code && exit.signal == end.signal
                            && exit.coreDumped == end.core, "\(text)")
                    #expect(exit.logDroppedBytes == value)
                    #expect(exit.finishedAt.hasSuffix("Z") && exit.finishedAt.count == 30, "\(exit.finishedAt)")
                    #expect(exit.oomKilled == (withCgroup && usage.oom_kills > 0))
                    #expect(TaskExit.recordsOOMKill(text) == exit.oomKilled, "\(text)")
                    if withCgroup {
                        let resources = try #require(exit.resources, "\(text)")
                        #expect(resources.memoryPeakBytes == (usage.have_memory_peak != 0 ? value : nil))
                        #expect(resources.cpuTotalNanos == (usage.have_cpu != 0 ? value : nil))
                        #expect(resources.cpuUserNanos == (usage.have_cpu != 0 ? value / 2 : nil))
                        #expect(resources.cpuSystemNanos == (usage.have_cpu != 0 ? value / 3 : nil))
                        #expect(resources.cpuThrottledPeriods == (usage.have_throttling != 0 ? value / 5 : nil))
                        #expect(resources.cpuThrottledNanos == (usage.have_throttling != 0 ? value / 7 : nil))
                    } else {
                        #expect(exit.resources == nil)
                    }
                    // Every key written is read (or a documented extra).
                    let document = try JSONValue.parse(text)
                    guard case .object(let members) = document else { Issue.record("not an object: \(text)"); return }
                    #expect(Set(members.keys).subtracting(Self.read).subtracting(Self.extras).isEmpty, "\(members.keys)")
                    if case .object(let counters)? = members["resources"] {
                        #expect(Set(counters.keys).subtracting(Self.counters).isEmpty, "\(counters.keys)")
                    }
                    checked += 1
                }
            }
        }
        #expect(checked == Self.ends.count * 32)
    }
}
