import CorralDriver
import Testing
@testable import CorralExecDriver

/// Paths in an exec task's config are checked by `validate`, before anything is created.
struct ExecTaskConfigPathTests {
    func key(of config: DriverConfig) -> String? {
        do {
            _ = try ExecTaskConfig.parse(config)
            return nil
        } catch {
            if case .invalidConfig(let key, _) = error { return key }
            return "\(error)"
        }
    }

    @Test func relativeOrEscapingPathsNameTheirKey() {
        let mount = { (source: String, target: String) -> DriverConfig in
            ["command": .string("/bin/true"),
             "mounts": .list([.object(["source": .string(source), "target": .string(target)])])]
        }
        #expect(key(of: mount("data", "/data")) == "config.mounts[0].source")
        #expect(key(of: mount("/srv", "data")) == "config.mounts[0].target")
        #expect(key(of: mount("/srv", "/a/../../b")) == "config.mounts[0].target")
        #expect(key(of: mount("/srv", "/")) == "config.mounts[0].target")
        #expect(key(of: ["command": .string("/bin/true"), "work_dir": .string("tmp")]) == "config.work_dir")
        #expect(key(of: ["command": .string("/bin/true"),
                         "devices": .list([.object(["host_path": .string("dev/fuse")])])]) == "config.devices[0].host_path")
        #expect(key(of: ["command": .string("/bin/true"),
                         "mounts": .list([.object(["type": .string("tmpfs"), "target": .string("/scratch"),
                                                   "readonly": .bool(true)])])]) == "config.mounts[0].readonly")
        // Spelled around the checks of corral's own mounts: "." and empty components.
        for target in ["/./proc", "//sys", "/dev/.", "/data//x", "/data/", "/."] {
            #expect(key(of: mount("/srv", target)) == "config.mounts[0].target", "\(target)")
        }
        #expect(key(of: ["command": .string("/bin/true"), "work_dir": .string("/./tmp")]) == "config.work_dir")
        #expect(key(of: mount("/srv", "/data")) == nil)
    }
}
