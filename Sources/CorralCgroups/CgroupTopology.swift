/// Which cgroup version manages a task's cgroups on this host.
package enum CgroupVersion: String, Sendable, Equatable, Codable {
    /// The unified hierarchy (cgroup v2) holds the controllers corral uses.
    case v2
    /// Per-controller v1 hierarchies (legacy or hybrid hosts).
    case v1
}

/// Where each cgroup controller lives on this host, read from `/proc/cgroups` (which controllers
/// the kernel has enabled) and `/proc/self/mountinfo`: a controller is on v1 when a `cgroup` mount
/// carries it in its options, on v2 when the unified mount's `cgroup.controllers` lists it.
///
/// The version is then decided from the controllers corral uses (`decisive`): if any of them is on
/// a v1 hierarchy, the host is managed as v1, and controllers found only on v2 (hybrid hosts keep
/// odd ones such as hugetlb there) are not used. A host splitting corral's controllers between the
/// two (no distribution ships one) is therefore v1, and a limit needing a v2-only controller is
/// refused as unavailable, never silently dropped.
package struct CgroupTopology: Equatable, Sendable {
    /// The cgroup2 mount point, if one is mounted.
    package var unifiedMount: String?
    /// Controllers the unified hierarchy offers (its root's `cgroup.controllers`).
    package var unifiedControllers: Set<String>
    /// v1 controller → the mount point of its hierarchy (co-mounted controllers share one).
    package var v1Mounts: [String: String]
    /// Controllers the kernel has and has enabled.
    package var enabledControllers: Set<String>

    package init(unifiedMount: String?, unifiedControllers: Set<String>, v1Mounts: [String: String],
                enabledControllers: Set<String>) {
        self.unifiedMount = unifiedMount
        self.unifiedControllers = unifiedControllers
        self.v1Mounts = v1Mounts
        self.enabledControllers = enabledControllers
    }

    /// The controllers whose placement decides the version.
    static let decisive: [String] = ["memory", "cpu", "cpuacct", "pids", "cpuset", "freezer"]

    /// The version to use, or nil when neither hierarchy offers any of the controllers corral uses.
    package var version: CgroupVersion? {
        if Self.decisive.contains(where: { v1Mounts[$0] != nil }) { return .v1 }
        if unifiedMount != nil { return .v2 }
        return nil
    }

    /// Builds the topology from the text of `/proc/cgroups` and `/proc/self/mountinfo`;
    /// `readControllers` reads a unified mount's `cgroup.controllers`.
    package static func parse(procCgroups: String, mountinfo: String,
                             readControllers: (String) -> String?) -> CgroupTopology {
        var enabled = Set<String>()
        var cgroups = procCgroups
        cgroups.withUTF8 { bytes in
            for line in bytes.split(separator: UInt8(ascii: "\n")) where line.first != UInt8(ascii: "#") {
                let fields = line.split(whereSeparator: { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") })
                if fields.count >= 4, fields[3].elementsEqual("1".utf8) {
                    enabled.insert(String(decoding: fields[0], as: UTF8.self))
                }
            }
        }
        var unified: String?
        var v1: [String: String] = [:]
        for entry in MountInfo.parse(mountinfo) {
            switch entry.fileSystemType {
            case "cgroup2":
                if unified == nil { unified = entry.mountPoint }
            case "cgroup":
                for option in entry.superOptions where enabled.contains(option) && v1[option] == nil {
                    v1[option] = entry.mountPoint
                }
            default:
                continue
            }
        }
        var unifiedControllers = Set<String>()
        if let unified, let text = readControllers(unified + "/cgroup.controllers") {
            unifiedControllers = Set(text.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init))
        }
        return CgroupTopology(unifiedMount: unified, unifiedControllers: unifiedControllers, v1Mounts: v1,
                              enabledControllers: enabled)
    }

    /// The live host's topology.
    package static func discover(_ fs: some CgroupFileSystem = LiveCgroupFileSystem()) -> CgroupTopology {
        let cgroups = (try? fs.read("/proc/cgroups")) ?? ""
        let mountinfo = (try? fs.read("/proc/self/mountinfo")) ?? ""
        return parse(procCgroups: cgroups, mountinfo: mountinfo) { try? fs.read($0) }
    }
}

/// One cgroup line of `/proc/self/mountinfo`, the fields corral needs.
struct MountInfo: Equatable {
    var mountPoint: String
    var fileSystemType: String
    var superOptions: [String]

    /// Parses the cgroup lines of mountinfo text:
    /// `id parent maj:min root mountpoint opts [optional...] - fstype source superopts`.
    /// Works on bytes: corral parses this on every start, and Character-level String processing
    /// costs a measurable fraction of a millisecond here.
    static func parse(_ text: String) -> [MountInfo] {
        var entries: [MountInfo] = []
        var text = text
        text.withUTF8 { bytes in
            for line in bytes.split(separator: UInt8(ascii: "\n")) {
                let fields = line.split(separator: UInt8(ascii: " "))
                guard fields.count >= 7, let dash = fields.firstIndex(where: { $0.count == 1 && $0.first == UInt8(ascii: "-") }),
                      dash + 1 < fields.count else { continue }
                let type = fields[dash + 1]
                guard type.starts(with: "cgroup".utf8) else { continue }
                let options = dash + 3 < fields.count
                    ? fields[dash + 3].split(separator: UInt8(ascii: ",")).map { String(decoding: $0, as: UTF8.self) } : []
                entries.append(MountInfo(mountPoint: unescape(fields[4]), fileSystemType: String(decoding: type, as: UTF8.self),
                                         superOptions: options))
            }
        }
        return entries
    }

    /// mountinfo escapes space, tab, newline and backslash as `\ooo` octal.
    static func unescape(_ field: Slice<UnsafeBufferPointer<UInt8>>) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(field.count)
        var i = field.startIndex
        while i < field.endIndex {
            if field[i] == UInt8(ascii: "\\"), i + 3 < field.endIndex,
               let value = UInt8(String(decoding: field[(i + 1)...(i + 3)], as: UTF8.self), radix: 8) {
                bytes.append(value)
                i += 4
            } else {
                bytes.append(field[i])
                i += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
