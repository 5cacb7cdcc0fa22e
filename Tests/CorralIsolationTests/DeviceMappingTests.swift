import CorralCgroups
import Testing
@testable import CorralIsolation
import CorralResourceTypes

@Suite struct DeviceMappingTests {
    var host: FakeHost = {
        var host = FakeHost.debian()
        host.devices = ["/dev/fuse": DeviceNode(isBlock: false, major: 10, minor: 229, permissions: 0o666),
                        "/dev/sda": DeviceNode(isBlock: true, major: 8, minor: 0, permissions: 0o660)]
        host.files["/dev/fuse"] = .other
        host.files["/dev/sda"] = .other
        host.files["/etc/hosts"] = .file
        return host
    }()

    func build(_ devices: [DeviceMapping]) throws(LaunchError) -> LaunchPlan {
        var spec = IsolationSpec(command: ["/bin/true"], hostname: "t")
        spec.devices = devices
        return try LaunchPlanBuilder(host: host).build(spec, rootMountpoint: "/run/x")
    }

    @Test func argumentsParse() {
        #expect(DeviceMapping(argument: "/dev/fuse") == DeviceMapping(hostPath: "/dev/fuse", containerPath: "/dev/fuse", permissions: "rwm"))
        #expect(DeviceMapping(argument: "/dev/sda:/dev/xvda:r") == DeviceMapping(hostPath: "/dev/sda", containerPath: "/dev/xvda", permissions: "r"))
        #expect(DeviceMapping(argument: "/dev/a:/dev/b:r:x") == nil)
        #expect(DeviceMapping(argument: "/dev/a::r") == nil)
    }

    @Test func aDeviceBecomesANodeAndARule() throws {
        let plan = try build([DeviceMapping(hostPath: "/dev/sda", containerPath: "/dev/xvda", permissions: "rw")])
        #expect(plan.mounts.contains(.deviceNode(target: "/dev/xvda", mode: 0o060660, major: 8, minor: 0)))
        #expect(plan.deviceRules == [DeviceRule(.block, 8, 0, "rw")])
        let fuse = try build([DeviceMapping(hostPath: "/dev/fuse")])
        #expect(fuse.mounts.contains(.deviceNode(target: "/dev/fuse", mode: 0o020666, major: 10, minor: 229)))
    }

    @Test(arguments: [
        (DeviceMapping(hostPath: "/dev/nosuch"), "--device \"/dev/nosuch:/dev/nosuch:rwm\": /dev/nosuch does not exist"),
        (DeviceMapping(hostPath: "/etc/hosts", containerPath: "/dev/hosts"), "--device \"/etc/hosts:/dev/hosts:rwm\": /etc/hosts is not a device node"),
        (DeviceMapping(hostPath: "/dev/fuse", containerPath: "/dev/fuse", permissions: "rx"), "--device \"/dev/fuse:/dev/fuse:rx\": permissions must be made of r, w and m (like rw or rwm)"),
        (DeviceMapping(hostPath: "/dev/fuse", containerPath: "/mnt/fuse"), "--device \"/dev/fuse:/mnt/fuse:rwm\": the path inside the task must be under /dev"),
        (DeviceMapping(hostPath: "dev/fuse"), "--device \"dev/fuse:dev/fuse:rwm\": the host path must be absolute"),
    ])
    func badDevicesAreRefusedClearly(device: DeviceMapping, message: String) {
        #expect(throws: LaunchError.self) { try build([device]) }
        do { _ = try build([device]) } catch { #expect(error.description == message) }
    }
}
