import Foundation
import Testing

/// The device cgroup: a task may create device nodes but open only its own /dev set and what
/// `--device` gives it.
@Suite("Devices (root)", .enabled(if: Cgroups.enabled, Comment(rawValue: Cgroups.skipReason ?? "")), .timeLimit(.minutes(1)))
struct DeviceIntegrationTests {
    @Test func aNodeTheTaskMakesForTheHostsDiskCannotBeOpened() throws {
        // 8:0 is sda; whether or not the host has one, the open must be refused by the cgroup.
        let script = """
            mknod /dev/probe-disk b 8 0 || { echo mknod-failed; exit 1; }
            if head -c 1 /dev/probe-disk > /dev/null 2>&1; then echo opened; else echo refused; fi
            mknod /dev/probe-mem c 1 1 && { head -c 1 /dev/probe-mem > /dev/null 2>&1 && echo mem-opened || echo mem-refused; }
            echo x > /dev/null && head -c 1 /dev/zero > /dev/null && echo standard-ok
            """
        let result = try isolatedShell(script)
        #expect(result.stdout == "refused\nmem-refused\nstandard-ok\n", "\(result.stdout) \(result.stderr)")
    }

    @Test func aGivenDeviceOpens() throws {
        try #require(access("/dev/loop-control", F_OK) == 0, "the host has no /dev/loop-control")
        let result = try isolatedShell("if (exec 3< /dev/loop-control); then echo opened; fi", options: ["--device", "/dev/loop-control"])
        #expect(result.stdout == "opened\n", "\(result.stderr)")
        let readOnly = try isolatedShell("if (exec 3> /dev/lc) 2>/dev/null; then echo opened; else echo refused; fi",
                                         options: ["--device", "/dev/loop-control:/dev/lc:r"])
        #expect(readOnly.stdout == "refused\n")
    }

    @Test func aDeviceThatIsNotOneIsRefusedBeforeTheStart() throws {
        let result = try isolatedShell("echo ran", options: ["--device", "/etc/hostname:/dev/x"])
        #expect(result.status == 125)
        #expect(result.stderr.contains("--device \"/etc/hostname:/dev/x:rwm\": /etc/hostname is not a device node"), "\(result.stderr)")
    }
}
