import CorralCgroups
import CorralIsolation
import Testing
@testable import CorralCLI
@testable import CorralIsolateCLI

@Suite("corral isolate cgroup options")
struct IsolateLimitOptionsTests {
    func parse(_ arguments: [String]) throws -> Isolate {
        try Isolate.parse(arguments + ["--", "true"])
    }

    func limits(_ arguments: [String]) throws -> CgroupLimits {
        try parse(arguments).cgroupLimits()
    }

    @Test func mapsEveryLimitFlag() throws {
        let parsed = try limits(["--memory", "64m", "--memory-reservation", "32M", "--memory-swap", "96m",
                                 "--cpu-shares", "512", "--cpus", "0.2", "--pids", "16", "--cpuset", "0-1"])
        #expect(parsed.memoryMaxBytes == 64 << 20)
        #expect(parsed.memoryReservationBytes == 32 << 20)
        #expect(parsed.swap == .bytes(32 << 20))
        #expect(parsed.cpuShares == 512)
        #expect(parsed.cpuQuota == CPUQuota(quotaMicros: 20_000, periodMicros: 100_000))
        #expect(parsed.pidsMax == 16)
        #expect(parsed.cpusetCPUs == "0-1")
    }

    @Test func noFlagsMeansOnlyTheDefaultPidsLimitAndNoSwap() throws {
        var parsed = try limits([])
        #expect(parsed.pidsMax == 2048 && parsed.swap == .none)
        parsed.pidsMax = nil
        #expect(parsed.isEmpty)
        #expect(try limits(["--pids", "0"]).isEmpty)
        #expect(try limits(["--pids", "max"]).isEmpty)
        #expect(try limits(["--no-cgroup"]).isEmpty)
    }

    @Test func memorySwapFollowsDockersMeaning() throws {
        #expect(try limits(["--memory", "1g", "--memory-swap", "1g"]).swap == .none)
        #expect(try limits(["--memory", "1g", "--memory-swap", "-1"]).swap == .unlimited)
        #expect(try limits(["--memory", "1g", "--memory-swap", "2g"]).swap == .bytes(1 << 30))
        #expect(try limits(["--memory", "1g", "--memory-swap", "0"]).swap == .none)  // 0: not set
    }

    @Test(arguments: [
        (["--memory", "lots"], "--memory \"lots\": expected a size like 64m or 1g"),
        (["--memory-swap", "1g"], "--memory-swap \"1g\": needs --memory"),
        (["--memory-swap", "-1"], "--memory-swap \"-1\": needs --memory"),
        (["--memory", "1g", "--memory-swap", "512m"], "--memory-swap \"512m\": memory plus swap must be at least --memory (1 GiB)"),
        (["--memory", "64m", "--memory-reservation", "128m"], "--memory-reservation \"128m\": above --memory (64 MiB)"),
        (["--cpu-shares", "1"], "--cpu-shares \"1\": expected 2 to 262144"),
        (["--cpu-shares", "300000"], "--cpu-shares \"300000\": expected 2 to 262144"),
        (["--cpus", "0.001"], "--cpus \"0.001\": expected at least 0.01"),
        (["--cpus=-1"], "--cpus \"-1\": expected at least 0.01"),
        (["--memory", "1m"], "--memory \"1m\": below the minimum of 6 MiB (the task could not even start)"),
        (["--pids=-1"], "--pids \"-1\": expected a number of at least 1, or 0 or max for no limit"),
        (["--pids", "lots"], "--pids \"lots\": expected a number of at least 1, or 0 or max for no limit"),
        (["--pids", "99999999999"], "--pids \"99999999999\": expected at most 4194304"),
        (["--cpuset", "0-"], "--cpuset \"0-\": expected a CPU list like 0-1 or 0,2"),
        (["--cgroup-parent", "../escape"], "--cgroup-parent \"../escape\": expected a relative path like corral or jobs/web"),
    ])
    func badValuesNameTheFlag(arguments: [String], message: String) throws {
        // validate() runs cgroupLimits() as part of parsing.
        do {
            _ = try Isolate.parse(arguments + ["--", "true"])
            Issue.record("accepted \(arguments)")
        } catch {
            #expect(error.description == message)
        }
    }

    @Test(arguments: [
        ["--memory", "lots"], ["--cpu-shares", "1"], ["--cpus=0"], ["--no-cgroup", "--memory", "64m"],
        ["--no-cgroup", "--stats"], ["--cgroup-parent", ".."],
    ])
    func usageErrorsExitTwoBeforeAnythingStarts(arguments: [String]) {
        #expect(CorralMain.run(["isolate"] + arguments + ["--", "true"]) == 2)
    }

    @Test func anOOMKillIsSpottedInTheSupervisorsRecord() {
        #expect(IsolateRun.recordsOOMKill(#"{"task_pid":7,"exit_code":137,"signal":9,"core_dumped":false,"oom_killed":true,"oom_kills":1}"#))
        #expect(!IsolateRun.recordsOOMKill(#"{"task_pid":7,"exit_code":0,"signal":0,"core_dumped":false,"oom_killed":false}"#))
        #expect(!IsolateRun.recordsOOMKill(""))
    }

    @Test func statsLineSaysWhatWasMeasured() {
        var usage = TaskExit.FinalUsage()
        usage.memoryPeakBytes = 12 << 20
        usage.cpuTotalNanos = 1_204_000_000
        usage.cpuUserNanos = 1_100_000_000
        usage.cpuSystemNanos = 104_000_000
        usage.cpuThrottledPeriods = 12
        usage.cpuThrottledNanos = 800_000_000
        #expect(IsolateRun.statsLine(usage) == "stats: peak memory 12 MiB, CPU time 1.204 s (user 1.100 s, "
                + "system 0.104 s), throttled 0.800 s in 12 periods")
        #expect(IsolateRun.statsLine(nil) == "stats: not available (the task ran without a cgroup)")
    }
}
