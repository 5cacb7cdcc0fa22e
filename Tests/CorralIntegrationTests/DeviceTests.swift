import CCorralHost
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

    /// A device outside the standard set that opening is harmless for: the first this machine has.
    static let spareDevice: String? = ["/dev/loop-control", "/dev/fuse", "/dev/rtc0", "/dev/ttyS3"].first { (path: String) in access(path, F_OK) == 0 }

    @Test func aGivenDeviceOpens() throws {
        let device = try #require(Self.spareDevice, "none of loop-control, fuse, rtc0, ttyS3 exists here")
        let denied = try isolatedShell("mknod /dev/spare c \(Self.numbers(device)) && if (exec 3< /dev/spare) 2>/dev/null; then echo opened; else echo refused; fi")
        #expect(denied.stdout == "refused\n", "\(denied.stderr)")
        let result = try isolatedShell("if (exec 3< /dev/spare); then echo opened; fi", options: ["--device", device + ":/dev/spare"])
        #expect(result.stdout == "opened\n", "\(result.stderr)")
        let readOnly = try isolatedShell("if (exec 3> /dev/spare) 2>/dev/null; then echo opened; else echo refused; fi",
                                         options: ["--device", device + ":/dev/spare:r"])
        #expect(readOnly.stdout == "refused\n")
    }

    /// "MAJOR MINOR" of a character device, as mknod takes them.
    static func numbers(_ path: String) -> String {
        var st = stat()
        guard stat(path, &st) == 0 else { return "0 0" }
        return "\(corral_dev_major(UInt64(st.st_rdev))) \(corral_dev_minor(UInt64(st.st_rdev)))"
    }

    @Test func aDeviceThatIsNotOneIsRefusedBeforeTheStart() throws {
        let result = try isolatedShell("echo ran", options: ["--device", "/etc/hostname:/dev/x"])
        #expect(result.status == 125)
        #expect(result.stderr.contains("--device \"/etc/hostname:/dev/x:rwm\": /etc/hostname is not a device node"), "\(result.stderr)")
    }
}
