import CorralDriver
import CorralExecDriver
import Foundation
import Testing

/// What the exec driver's config keys and the task's resources do, seen from inside the task and
/// in its cgroup files on the host.
@Suite(.serialized, .enabled(if: DriverTests.enabled, DriverTests.comment))
struct ExecDriverConfigEffectTests {
    /// The host directories of the running task's cgroup, from its handle.
    func cgroupDirectories(_ handle: TaskHandle) throws -> [String] {
        let state = try #require(try JSONSerialization.jsonObject(with: Data(handle.driverState.utf8)) as? [String: Any])
        return try #require((state["cgroup"] as? [String: Any])?["directories"] as? [String])
    }

    /// The first of `files` found in any of `directories`, trimmed.
    func read(_ files: [String], in directories: [String]) -> String? {
        for directory in directories {
            for file in files {
                if let text = try? String(contentsOfFile: directory + "/" + file, encoding: .utf8) {
                    return text.trimmingCharacters(in: .whitespacesAndNewlines)
                }
            }
        }
        return nil
    }

    @Test func resourcesAndCPUHardLimitBecomeCgroupLimits() async throws {
        let fixture = try DriverFixture()
        defer { fixture.finish() }
        let driver = ExecDriver(options: fixture.options)
        let cpus = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        let handle = try await driver.start(fixture.task(
            fixture.shell("exec sleep 1000", ["cpu_hard_limit": .bool(true), "pids_limit": .integer(16)]),
            resources: TaskResources(memoryLimitBytes: 96 << 20, cpuShares: 512, percentTicks: 0.1)))
        let directories = try cgroupDirectories(handle)
        // 10% of the node's compute: 0.1 × 100 ms × CPUs per 100 ms period.
        let quota = 10_000 * cpus
        if DriverTests.isV2 {
            #expect(read(["cpu.max"], in: directories) == "\(quota) 100000")
            #expect(read(["memory.max"], in: directories) == String(96 << 20))
            #expect(read(["cpu.weight"], in: directories) == "59")
        } else {
            #expect(read(["cpu.cfs_quota_us"], in: directories) == String(quota))
            #expect(read(["memory.limit_in_bytes"], in: directories) == String(96 << 20))
            #expect(read(["cpu.shares"], in: directories) == "512")
        }
        #expect(read(["pids.max"], in: directories) == "16")
        try await driver.destroy(handle.id, force: true)
    }

    @Test func cpuHardLimitWithoutACPUResourceIsRefused() async throws {
        let fixture = try DriverFixture()
        defer { fixture.finish() }
        let driver = ExecDriver(options: fixture.options)
        await #expect(throws: DriverError.invalidConfig(key: "config.cpu_hard_limit",
                                                        reason: "the task asks for no CPU to limit it to")) {
            _ = try await driver.start(fixture.task(["command": .string("/bin/true"), "cpu_hard_limit": .bool(true)]))
        }
        #expect(fixture.leftovers() == [])
    }

    @Test func mountsDevicesNetworkAndWorkDirReachTheTask() async throws {
        let fixture = try DriverFixture()
        defer { fixture.finish() }
        let shared = fixture.allocDir + "/shared"
        try FileManager.default.createDirectory(atPath: shared, withIntermediateDirectories: true)
        try "from the host\n".write(toFile: shared + "/note", atomically: true, encoding: .utf8)
        let hostNet = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/ns/net")
        let driver = ExecDriver(options: fixture.options)
        let script = """
            cat /data/note; touch /data/x 2>/dev/null && echo data-writable || echo data-readonly
            touch /scratch/y && echo scratch-writable; head -c 3 /dev/zero2 | wc -c
            readlink /proc/self/ns/net; pwd; ls /alloc /local /secrets >/dev/null && echo alloc-dirs
            """
        let handle = try await driver.start(fixture.task(fixture.shell(script, [
            "mounts": .list([
                .object(["type": .string("bind"), "source": .string(shared), "target": .string("/data"), "readonly": .bool(true)]),
                .object(["type": .string("tmpfs"), "target": .string("/scratch"), "size": .string("4m")]),
            ]),
            "devices": .list([.object(["host_path": .string("/dev/zero"), "container_path": .string("/dev/zero2"),
                                       "cgroup_permissions": .string("r")])]),
            "network_mode": .string("host"),
            "work_dir": .string("/scratch"),
        ])))
        #expect(try await driver.wait(handle.id) == ExitResult(exitCode: 0))
        #expect(fixture.stdout() == """
            from the host
            data-readonly
            scratch-writable
            3
            \(hostNet)
            /scratch
            alloc-dirs

            """)
        try await driver.destroy(handle.id, force: false)
    }

    @Test func fingerprintReportsTheNode() async throws {
        let attributes = await ExecDriver().fingerprint()
        #expect(attributes.health == .healthy, "\(attributes.healthDescription)")
        #expect(attributes.attributes["kernel.name"] == "linux")
        #expect(attributes.cpuCount == Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        let mhz = try #require(attributes.attributes["cpu.frequency"].flatMap(Double.init))
        // The total adds each CPU's own frequency; `cpu.frequency` is their mean, rounded: within a MHz per CPU.
        let count = Double(attributes.cpuCount ?? 0)
        #expect(abs((attributes.totalComputeMHz ?? 0) - mhz * count) <= count, "\(attributes.totalComputeMHz ?? 0) vs \(mhz) x \(count)")
        #expect((attributes.attributes["memory.totalbytes"].flatMap(UInt64.init) ?? 0) > 1 << 28)
        #expect(attributes.attributes["os.cgroups.version"] == (DriverTests.isV2 ? "2" : "1"))
        #expect(attributes.attributes["os.cgroups.memory"] == (DriverTests.isV2 ? "v2" : "v1"))
    }
}
