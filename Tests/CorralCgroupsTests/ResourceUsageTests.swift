import CorralCgroups
import Testing

@Suite struct ResourceUsageTests {
    func reading(total: UInt64, user: UInt64, system: UInt64) -> CgroupStats {
        var stats = CgroupStats()
        stats.cpu.totalNanos = total
        stats.cpu.userNanos = user
        stats.cpu.systemNanos = system
        stats.memory.usage = 10
        stats.memory.maxUsage = 20
        return stats
    }

    @Test func cpuPercentagesComeFromTheChangeBetweenReadings() {
        var tracker = ResourceUsageTracker(megahertzPerCPU: 2000)
        let first = tracker.usage(reading(total: 0, user: 0, system: 0), at: 1_000_000_000, timestamp: 1)
        #expect(first.cpu.percent == 0)
        // 0.5 s of CPU over 1 s of wall time: half a CPU.
        let second = tracker.usage(reading(total: 500_000_000, user: 400_000_000, system: 100_000_000),
                                   at: 2_000_000_000, timestamp: 2)
        #expect(second.cpu.percent == 50)
        #expect(second.cpu.userMode == 40 && second.cpu.systemMode == 10)
        #expect(second.cpu.totalTicks == 1000)
        #expect(second.memory.usage == 10 && second.memory.maxUsage == 20)
    }
}
