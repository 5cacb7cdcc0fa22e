import CorralCgroups
import Testing
import CorralResourceTypes

@Suite struct ConversionTests {
    @Test(arguments: [(UInt64(2), UInt64(1)), (100, 17), (1024, 100), (4096, 303), (262_144, 10_000)])
    func sharesBecomeTheWeightRuncAndCrunWrite(shares: UInt64, weight: UInt64) {
        #expect(CgroupConversions.cpuWeight(shares: shares) == weight)
    }

    @Test func sharesOutsideTheRangeClampToTheWeightRange() {
        #expect(CgroupConversions.cpuWeight(shares: 0) == 0)
        #expect(CgroupConversions.cpuWeight(shares: 1) == 1)
        #expect(CgroupConversions.cpuWeight(shares: 1_000_000) == 10_000)
    }

    @Test func percentTicksBecomeAQuotaAcrossAllCPUs() {
        // 10% of a 2-CPU node = a fifth of one CPU = 20 ms per 100 ms.
        #expect(CPUQuota(percentTicks: 0.1, cpuCount: 2) == CPUQuota(quotaMicros: 20_000, periodMicros: 100_000))
        #expect(CPUQuota(percentTicks: 1.0, cpuCount: 4).quotaMicros == 400_000)
        #expect(CPUQuota(percentTicks: 0.25, cpuCount: 8, periodMicros: 50_000).quotaMicros == 100_000)
    }

    @Test func cpusBecomeAQuotaPerPeriod() {
        #expect(CPUQuota(cpus: 0.2).quotaMicros == 20_000)
        #expect(CPUQuota(cpus: 1.5) == CPUQuota(quotaMicros: 150_000, periodMicros: 100_000))
        #expect(CPUQuota(cpus: 0.01).quotaMicros == 1_000)
    }

    @Test func memoryValuesOnV2() {
        #expect(CgroupConversions.v2Value(67_108_864) == "67108864")
        #expect(CgroupConversions.v2Value(nil) == "max")
    }

    @Test func byteCountsReadLikeAnOperatorWouldWriteThem() {
        #expect(ByteCount.describe(64 << 20) == "64 MiB")
        #expect(ByteCount.describe(3 << 29) == "1.5 GiB")
        #expect(ByteCount.describe(4096) == "4 KiB")
        #expect(ByteCount.describe(1000) == "1000 B")
        #expect(ByteCount.describe((64 << 20) + 1) == "64.0 MiB")
        #expect(ByteCount.describe((64 << 20) - 1) == "64.0 MiB")
        #expect(ByteCount.describe(UInt64.max) == "16777216.0 TiB")
    }
}

@Suite struct LimitValidationTests {
    @Test func aReservationAboveTheLimitIsRefused() {
        var limits = CgroupLimits()
        limits.memoryMaxBytes = 64 << 20
        limits.memoryReservationBytes = 128 << 20
        #expect(throws: CgroupError.invalidLimit("memory reservation 128 MiB is above the memory limit 64 MiB")) {
            try limits.validate()
        }
    }

    @Test func sharesOutOfRangeAreRefusedNotClamped() {
        var limits = CgroupLimits()
        limits.cpuShares = 1
        #expect(throws: CgroupError.self) { try limits.validate() }
        limits.cpuShares = 262_145
        #expect(throws: CgroupError.self) { try limits.validate() }
        limits.cpuShares = 2
        #expect(throws: Never.self) { try limits.validate() }
    }

    @Test func aQuotaBelowTheKernelMinimumIsRefused() {
        var limits = CgroupLimits()
        limits.cpuQuota = CPUQuota(quotaMicros: 999)
        #expect(throws: CgroupError.self) { try limits.validate() }
    }

    @Test func swapNeedsAMemoryLimit() {
        var limits = CgroupLimits()
        limits.swap = .bytes(1 << 20)
        #expect(throws: CgroupError.invalidLimit("a swap limit needs a memory limit")) { try limits.validate() }
    }

    @Test(arguments: ["0", "0-3", "0,2", "0-1,4-5", "10"])
    func cpuListsAreAccepted(list: String) {
        #expect(CgroupLimits.isKernelList(list))
    }

    @Test(arguments: ["", "a", "1-", "-1", "3-1", "0,,1", "0 1"])
    func malformedCPUListsAreRefused(list: String) {
        #expect(!CgroupLimits.isKernelList(list))
    }

    @Test func limitsNameTheControllersTheyNeed() {
        var limits = CgroupLimits()
        #expect(limits.requiredControllers.isEmpty && limits.isEmpty)
        limits.memoryMaxBytes = 1 << 20
        limits.cpuQuota = CPUQuota(cpus: 1)
        limits.pidsMax = 4
        limits.cpusetCPUs = "0"
        #expect(limits.requiredControllers == ["memory", "cpu", "pids", "cpuset"])
    }
}
