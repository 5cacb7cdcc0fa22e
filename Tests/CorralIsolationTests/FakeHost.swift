@testable import CorralIsolation

/// A host made of a dictionary of paths, for testing plan building without touching the machine.
struct FakeHost: HostEnvironment {
    var files: [String: FileKind] = [:]
    var contents: [String: String] = [:]
    var hardLimits: [Int32: UInt64] = [:]
    var canRaiseHardLimits = false
    /// This build host's: everything up to 40 but CAP_SYS_RESOURCE (24).
    var capabilityBoundingSet = CapabilitySet(mask: 0x1_FFFE_FFFFFF)
    var lastCapability: Int32 = 40
    var kernelRelease = "6.1.0-56-amd64"
    var devices: [String: DeviceNode] = [:]
    /// What `canonicalPath` answers for a path a symlink now leads through (else the path itself).
    var canonical: [String: String] = [:]

    func canonicalPath(_ path: String) -> String? { canonical[path] ?? path }

    /// A merged-/usr Debian-like host: /bin, /lib, /lib64, /sbin are symlinks into /usr.
    static func debian() -> FakeHost {
        var host = FakeHost()
        host.files = [
            "/bin": .symlink("usr/bin"), "/lib": .symlink("usr/lib"), "/lib64": .symlink("usr/lib64"),
            "/sbin": .symlink("usr/sbin"), "/etc": .directory, "/usr": .directory,
            "/srv/data": .directory, "/srv/file.txt": .file, "/images/alpine": .directory,
            "/etc/passwd": .file, "/etc/group": .file, "/etc/shadow": .file, "/etc/resolv.conf": .file,
            "/etc/ld.so.cache": .file, "/etc/ld.so.conf.d": .directory, "/etc/ssl/certs": .directory,
            "/etc/localtime": .symlink("/usr/share/zoneinfo/Etc/UTC"), "/etc/os-release": .symlink("../usr/lib/os-release"),
        ]
        host.contents = [
            "/etc/passwd": "root:x:0:0:root:/root:/bin/bash\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"
                + "app:x:1000:1000::/home/app:/bin/sh\n",
            "/etc/group": "root:x:0:\nadm:x:4:app\nnogroup:x:65534:\napp:x:1000:\nvideo:x:44:app, root\n",
            "/etc/shadow": "root:$6$secret:19000:0:99999:7:::\n",
            "/etc/resolv.conf": "nameserver 192.0.2.53\n",
            "/images/alpine/etc/passwd": "root:x:0:0:root:/root:/bin/ash\nguest:x:405:100:guest:/dev/null:/sbin/nologin\n",
            "/images/alpine/etc/group": "root:x:0:root\nusers:x:100:guest\n",
        ]
        return host
    }

    func fileKind(atPath path: String, followSymlinks: Bool) -> FileKind? {
        guard let kind = files[path] else { return nil }
        if followSymlinks, case .symlink = kind { return .directory }
        return kind
    }

    func readTextFile(atPath path: String) -> String? { contents[path] }

    /// Paths whose reading fails (as an image's FIFO /etc/passwd does), with the message.
    var unreadable: [String: String] = [:]

    func readTextFile(atPath path: String, inRoot root: String) throws -> String? {
        let full = root == "/" ? path : root + path
        if let message = unreadable[full] { throw FakeReadError(message: message) }
        return contents[full]
    }

    func hardLimit(resource: Int32) -> UInt64 { hardLimits[resource] ?? UInt64.max }

    func deviceNode(atPath path: String) -> DeviceNode? { devices[path] }
}

struct FakeReadError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
