import CorralTestFiles
import Foundation

/// What the cgroup tests need to know about the host, read independently of corral's own code.
enum Cgroups {
    /// Every cgroup hierarchy: mount point and type (cgroup or cgroup2).
    static let hierarchies: [(mount: String, type: String)] = {
        let text = ProcFile.text("/proc/self/mountinfo") ?? ""
        return text.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ")
            guard let dash = fields.firstIndex(of: "-"), dash + 1 < fields.count,
                  fields[dash + 1] == "cgroup" || fields[dash + 1] == "cgroup2" else { return nil }
            return (String(fields[4]), String(fields[dash + 1]))
        }
    }()

    static var mounts: [String] { hierarchies.map(\.mount) }

    /// True on a pure cgroup v2 host (the test guest), false on v1 and hybrid hosts.
    static let isV2: Bool = hierarchies.contains { $0.mount == "/sys/fs/cgroup" && $0.type == "cgroup2" }

    /// Why the cgroup tests cannot run here, or nil.
    static let skipReason: String? = {
        if let reason = Integration.skipReason { return reason }
        if mounts.isEmpty { return "no cgroup hierarchy is mounted" }
        if isV2 {
            let controllers = (try? String(contentsOfFile: "/sys/fs/cgroup/cgroup.controllers", encoding: .utf8)) ?? ""
            for needed in ["cpu", "memory", "pids", "cpuset"] where !controllers.contains(needed) {
                return "the cgroup v2 hierarchy lacks the \(needed) controller"
            }
        } else {
            for needed in ["memory", "cpu", "cpuacct", "pids", "cpuset"] where !mounts.contains(where: { $0.hasSuffix("/" + needed) || $0.contains(needed + ",") || $0.contains("," + needed) }) {
                return "no cgroup v1 hierarchy carries the \(needed) controller"
            }
        }
        if access("/usr/bin/python3", X_OK) != 0 { return "the cgroup tests need /usr/bin/python3" }
        return nil
    }()

    static var enabled: Bool { skipReason == nil }

    /// A cgroup parent of the test's own, so that concurrent tests never see each other's cgroups.
    static func testParent() -> String { "corral-test-\(UUID().uuidString.prefix(8).lowercased())" }

    /// Directories left under `parent` in any hierarchy: there must be none once a task is gone.
    static func leftovers(under parent: String) -> [String] {
        mounts.flatMap { mount -> [String] in
            let dir = mount + "/" + parent
            let entries = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
            return entries.filter { entry in
                var isDir: ObjCBool = false
                return FileManager.default.fileExists(atPath: dir + "/" + entry, isDirectory: &isDir) && isDir.boolValue
            }.map { dir + "/" + $0 }
        }
    }

    /// Removes the test's (empty) parent from every hierarchy.
    static func removeParent(_ parent: String) {
        for mount in mounts { rmdir(mount + "/" + parent) }
    }
}

/// exit.json of a run kept with --state-dir, as a dictionary.
func exitRecord(in stateDir: String) throws -> [String: Any] {
    let data = try Data(contentsOf: URL(fileURLWithPath: stateDir + "/exit.json"))
    return try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
}

/// A counter from exit.json's "resources".
func resource(_ record: [String: Any], _ key: String) -> Double? {
    ((record["resources"] as? [String: Any])?[key] as? NSNumber)?.doubleValue
}

/// CPU time the cgroup has used so far, in nanoseconds, read from the host (v1 `cpuacct.usage`,
/// v2 `cpu.stat` `usage_usec`), or nil if none of `directories` has it.
func cgroupCPUNanos(_ directories: [String]) -> Double? {
    for dir in directories {
        if let text = try? String(contentsOfFile: dir + "/cpuacct.usage", encoding: .utf8),
           let nanos = Double(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
            return nanos
        }
        if let text = try? String(contentsOfFile: dir + "/cpu.stat", encoding: .utf8),
           let line = text.split(separator: "\n").first(where: { $0.hasPrefix("usage_usec ") }),
           let micros = Double(line.dropFirst("usage_usec ".count)) {
            return micros * 1000
        }
    }
    return nil
}

/// A running task's task.json. corral writes it (atomically) while the task starts, so a task can
/// print before it exists: wait for the file first.
func taskRecord(in stateDir: String) throws -> [String: Any] {
    let path = stateDir + "/task.json"
    _ = eventually { FileManager.default.fileExists(atPath: path) }
    let data = try Data(contentsOf: URL(fileURLWithPath: path))
    return try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
}

/// The cgroup directories a running task's task.json lists.
func taskCgroups(in stateDir: String) throws -> [String] {
    try taskRecord(in: stateDir)["cgroups"] as? [String] ?? []
}

