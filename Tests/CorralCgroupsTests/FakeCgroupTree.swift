import CorralCgroups
import Foundation

/// A cgroup tree in a temporary directory that behaves like cgroupfs where the managers can tell:
/// a new directory gets the control files of its hierarchy's controllers (on v2, only those its
/// parent enabled in `cgroup.subtree_control`), writes to missing files fail with ENOENT, and
/// injected errors make chosen writes fail like the kernel refusing a value. Nothing here touches
/// a real process: `killProcess` only records the pid and drops it from every `cgroup.procs`.
final class FakeCgroupTree: CgroupFileSystem, @unchecked Sendable {
    // @unchecked: each test owns its tree and uses it from one task; the lock makes the recorded
    // state safe even if a manager were called from several threads.
    let root: String
    private let lock = NSLock()
    private var hierarchies: [String: [String]] = [:]  // mount → controllers (v1), or ["v2"]
    private var failures: [String: Int32] = [:]
    private(set) var writes: [(path: String, value: String)] = []
    private(set) var killed: [Int32] = []
    var hasMemsw = true

    init() {
        root = NSTemporaryDirectory() + "corral-cgroup-test-" + UUID().uuidString
        try! FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: root) }

    /// A v2 hierarchy at `<root>/unified` offering `controllers`.
    func addUnified(controllers: [String] = ["cpuset", "cpu", "io", "memory", "pids"]) -> String {
        let mount = root + "/unified"
        hierarchies[mount] = ["v2"]
        mkdirAll(mount)
        put(mount + "/cgroup.controllers", controllers.joined(separator: " ") + "\n")
        put(mount + "/cgroup.subtree_control", "\n")
        put(mount + "/cgroup.procs", "")
        return mount
    }

    /// A v1 hierarchy at `<root>/<name>` carrying `controllers`.
    func addV1(_ name: String, controllers: [String]) -> String {
        let mount = root + "/" + name
        hierarchies[mount] = controllers
        mkdirAll(mount)
        populateV1(mount, controllers: controllers)
        if controllers.contains("cpuset") {
            put(mount + "/cpuset.cpus", "0-1\n")
            put(mount + "/cpuset.mems", "0\n")
        }
        return mount
    }

    func fail(writesTo path: String, errno code: Int32) { failures[path] = code }

    func put(_ path: String, _ contents: String) {
        _ = FileManager.default.createFile(atPath: path, contents: Data(contents.utf8))
    }

    func contents(_ path: String) -> String? {
        FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) }
    }

    func isDirectory(_ path: String) -> Bool {
        var isDir: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDir) && isDir.boolValue
    }

    private func mkdirAll(_ path: String) {
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    private func hierarchy(of path: String) -> (mount: String, controllers: [String])? {
        hierarchies.first { path == $0.key || path.hasPrefix($0.key + "/") }.map { ($0.key, $0.value) }
    }

    private func populateV1(_ dir: String, controllers: [String]) {
        var files: [String: String] = ["cgroup.procs": "", "tasks": ""]
        for controller in controllers {
            switch controller {
            case "memory":
                files["memory.limit_in_bytes"] = "9223372036854771712\n"
                files["memory.soft_limit_in_bytes"] = "9223372036854771712\n"
                if hasMemsw { files["memory.memsw.limit_in_bytes"] = "9223372036854771712\n" }
                files["memory.usage_in_bytes"] = "0\n"
                files["memory.max_usage_in_bytes"] = "0\n"
                files["memory.stat"] = ""
                files["memory.oom_control"] = "oom_kill_disable 0\nunder_oom 0\noom_kill 0\n"
            case "cpu":
                files["cpu.shares"] = "1024\n"
                files["cpu.cfs_period_us"] = "100000\n"
                files["cpu.cfs_quota_us"] = "-1\n"
                files["cpu.stat"] = "nr_periods 0\nnr_throttled 0\nthrottled_time 0\n"
            case "cpuacct":
                files["cpuacct.usage"] = "0\n"
                files["cpuacct.stat"] = "user 0\nsystem 0\n"
            case "pids":
                files["pids.max"] = "max\n"
                files["pids.current"] = "0\n"
            case "freezer":
                files["freezer.state"] = "THAWED\n"
            case "cpuset":
                files["cpuset.cpus"] = "\n"
                files["cpuset.mems"] = "\n"
            default:
                break
            }
        }
        for (name, value) in files { put(dir + "/" + name, value) }
    }

    private func populateV2(_ dir: String, parent: String) {
        let enabled = (contents(parent + "/cgroup.subtree_control") ?? "").split(whereSeparator: \.isWhitespace).map(String.init)
        var files: [String: String] = [
            "cgroup.procs": "", "cgroup.events": "populated 0\nfrozen 0\n", "cgroup.freeze": "0\n",
            "cgroup.kill": "", "cgroup.subtree_control": "\n", "cgroup.controllers": enabled.joined(separator: " ") + "\n",
            "cpu.stat": "usage_usec 0\nuser_usec 0\nsystem_usec 0\n",
        ]
        if enabled.contains("memory") {
            files["memory.max"] = "max\n"; files["memory.low"] = "0\n"; files["memory.swap.max"] = "max\n"
            files["memory.current"] = "0\n"; files["memory.peak"] = "0\n"; files["memory.stat"] = ""
            files["memory.events"] = "low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\n"; files["memory.swap.current"] = "0\n"
        }
        if enabled.contains("cpu") {
            files["cpu.weight"] = "100\n"; files["cpu.max"] = "max 100000\n"
            files["cpu.stat"] = "usage_usec 0\nuser_usec 0\nsystem_usec 0\nnr_periods 0\nnr_throttled 0\nthrottled_usec 0\n"
        }
        if enabled.contains("pids") { files["pids.max"] = "max\n"; files["pids.current"] = "0\n" }
        if enabled.contains("cpuset") { files["cpuset.cpus"] = "\n"; files["cpuset.mems"] = "\n" }
        for (name, value) in files { put(dir + "/" + name, value) }
    }

    // MARK: CgroupFileSystem

    func makeDirectory(_ path: String) throws(CgroupError) {
        lock.lock(); defer { lock.unlock() }
        if let code = failures[path] { throw .system(operation: "create cgroup", path: path, value: nil, errno: code) }
        guard !FileManager.default.fileExists(atPath: path) else {
            throw .system(operation: "create cgroup", path: path, value: nil, errno: EEXIST)
        }
        do { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false) } catch {
            throw .system(operation: "create cgroup", path: path, value: nil, errno: ENOENT)
        }
        guard let (_, controllers) = hierarchy(of: path) else { return }
        if controllers == ["v2"] {
            populateV2(path, parent: (path as NSString).deletingLastPathComponent)
        } else {
            populateV1(path, controllers: controllers)
        }
    }

    func removeDirectory(_ path: String) throws(CgroupError) {
        lock.lock(); defer { lock.unlock() }
        guard isDirectory(path) else { throw .system(operation: "remove cgroup", path: path, value: nil, errno: ENOENT) }
        let children = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        if children.contains(where: { isDirectory(path + "/" + $0) }) || !(contents(path + "/cgroup.procs") ?? "").isEmpty {
            throw .system(operation: "remove cgroup", path: path, value: nil, errno: EBUSY)
        }
        try? FileManager.default.removeItem(atPath: path)
    }

    func write(_ value: String, to path: String) throws(CgroupError) {
        lock.lock(); defer { lock.unlock() }
        if let code = failures[path] { throw .system(operation: "set", path: path, value: value, errno: code) }
        guard FileManager.default.fileExists(atPath: path) else {
            throw .system(operation: "open", path: path, value: value, errno: ENOENT)
        }
        writes.append((path, value))
        let name = (path as NSString).lastPathComponent
        let dir = (path as NSString).deletingLastPathComponent
        switch name {
        case "cgroup.subtree_control":
            var enabled = Set((contents(path) ?? "").split(whereSeparator: \.isWhitespace).map(String.init))
            for token in value.split(separator: " ") where token.hasPrefix("+") { enabled.insert(String(token.dropFirst())) }
            put(path, enabled.sorted().joined(separator: " ") + "\n")
        case "cgroup.kill":
            for pid in (contents(dir + "/cgroup.procs") ?? "").split(separator: "\n").compactMap({ Int32($0) }) {
                killed.append(pid)
            }
            put(dir + "/cgroup.procs", "")
            put(dir + "/cgroup.events", "populated 0\nfrozen 0\n")
        case "cgroup.freeze":
            put(path, value)
            put(dir + "/cgroup.events", "populated 1\nfrozen \(value)\n")
        default:
            put(path, value)
        }
    }

    func read(_ path: String) throws(CgroupError) -> String {
        lock.lock(); defer { lock.unlock() }
        guard let text = contents(path) else { throw .system(operation: "read", path: path, value: nil, errno: ENOENT) }
        return text
    }

    func exists(_ path: String) -> Bool {
        FileManager.default.fileExists(atPath: path)
    }

    func open(_ path: String, flags: Int32) throws(CgroupError) -> Int32 {
        let fd = Glibc.open(path, (flags & O_DIRECTORY != 0 ? O_RDONLY | O_DIRECTORY : O_RDONLY) | O_CLOEXEC)
        guard fd >= 0 else { throw .system(operation: "open", path: path, value: nil, errno: errno) }
        return fd
    }

    func wait(for path: String, notifies: Bool, milliseconds: Int32, until condition: (String) -> Bool) -> Bool {
        (try? read(path)).map(condition) ?? false
    }

    func killProcess(_ pid: Int32) {
        lock.lock(); defer { lock.unlock() }
        killed.append(pid)
        let enumerator = FileManager.default.enumerator(atPath: root)
        while let relative = enumerator?.nextObject() as? String {
            guard relative.hasSuffix("cgroup.procs") || relative.hasSuffix("/tasks") else { continue }
            let path = root + "/" + relative
            let kept = (contents(path) ?? "").split(separator: "\n").filter { Int32($0) != pid }
            put(path, kept.map { $0 + "\n" }.joined())
        }
    }
}
