import CorralCgroups
import Foundation

/// A cgroup tree in a temporary directory that behaves like cgroupfs where the managers can tell:
/// a new directory gets the control files of its hierarchy's controllers (on v2, only those its
/// parent enabled in `cgroup.subtree_control`), writes to missing files fail with ENOENT, and
/// injected errors make chosen writes fail like the kernel refusing a value. Nothing here touches
/// a real process: `killProcess` only records the pid and drops it from every `cgroup.procs`.
final class FakeCgroupTree: CgroupFileSystem, @unchecked Sendable {
    // @unchecked: every stored property but the immutable `root` is read and written only with
    // `lock` held (through `locked`), so the tree is safe to share between threads.
    let root: String
    private let lock = NSLock()
    private var hierarchies: [String: [String]] = [:]  // mount → controllers (v1), or ["v2"]
    private var failures: [String: Int32] = [:]
    private var _writes: [(path: String, value: String)] = []
    private var _killed: [Int32] = []
    private var _hasMemsw = true
    private var _freezeNeverCompletes = false
    /// Pids that survive SIGKILL (a process stuck in the kernel).
    private var _unkillable: Set<Int32> = []
    /// What /proc/swaps reads as (the real one when nil).
    private var _procSwaps: String?
    private var _attached: [(program: [UInt8], directory: String)] = []
    var attached: [(program: [UInt8], directory: String)] { locked { _attached } }

    private func locked<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    var writes: [(path: String, value: String)] { locked { _writes } }
    var killed: [Int32] { locked { _killed } }
    var hasMemsw: Bool {
        get { locked { _hasMemsw } }
        set { locked { _hasMemsw = newValue } }
    }
    /// cgroup.events never reports the freeze (a task stuck in the kernel).
    var freezeNeverCompletes: Bool {
        get { locked { _freezeNeverCompletes } }
        set { locked { _freezeNeverCompletes = newValue } }
    }
    var procSwaps: String? {
        get { locked { _procSwaps } }
        set { locked { _procSwaps = newValue } }
    }
    var unkillable: Set<Int32> {
        get { locked { _unkillable } }
        set { locked { _unkillable = newValue } }
    }

    init() {
        root = NSTemporaryDirectory() + "corral-cgroup-test-" + UUID().uuidString
        try! FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: root) }

    /// A v2 hierarchy at `<root>/unified` offering `controllers`.
    func addUnified(controllers: [String] = ["cpuset", "cpu", "io", "memory", "pids"]) -> String {
        let mount = root + "/unified"
        locked { hierarchies[mount] = ["v2"] }
        mkdirAll(mount)
        put(mount + "/cgroup.controllers", controllers.joined(separator: " ") + "\n")
        put(mount + "/cgroup.subtree_control", "\n")
        put(mount + "/cgroup.procs", "")
        return mount
    }

    /// A v1 hierarchy at `<root>/<name>` carrying `controllers`.
    func addV1(_ name: String, controllers: [String]) -> String {
        let mount = root + "/" + name
        locked { hierarchies[mount] = controllers }
        mkdirAll(mount)
        locked { populateV1(mount, controllers: controllers) }
        if controllers.contains("cpuset") {
            put(mount + "/cpuset.cpus", "0-1\n")
            put(mount + "/cpuset.mems", "0\n")
        }
        return mount
    }

    func fail(writesTo path: String, errno code: Int32) { locked { failures[path] = code } }

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
                if _hasMemsw { files["memory.memsw.limit_in_bytes"] = "9223372036854771712\n" }
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
            case "devices":
                files["devices.allow"] = ""
                files["devices.deny"] = ""
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

    // MARK: CgroupFileSystem (each entry point takes the lock once; the helpers above assume it)

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
        let name = (path as NSString).lastPathComponent
        let dir = (path as NSString).deletingLastPathComponent
        // v1 keeps memory.limit_in_bytes <= memory.memsw.limit_in_bytes at every step.
        if name == "memory.limit_in_bytes", let memsw = number(dir + "/memory.memsw.limit_in_bytes"),
           let new = Int64(value), new > memsw {
            throw .system(operation: "set", path: path, value: value, errno: EINVAL)
        }
        if name == "memory.memsw.limit_in_bytes", let limit = number(dir + "/memory.limit_in_bytes"),
           let new = Int64(value), new != -1, new < limit {
            throw .system(operation: "set", path: path, value: value, errno: EINVAL)
        }
        _writes.append((path, value))
        switch name {
        case "cgroup.subtree_control":
            var enabled = Set((contents(path) ?? "").split(whereSeparator: \.isWhitespace).map(String.init))
            for token in value.split(separator: " ") where token.hasPrefix("+") { enabled.insert(String(token.dropFirst())) }
            put(path, enabled.sorted().joined(separator: " ") + "\n")
        case "cgroup.kill":  // the whole subtree, as the kernel does
            let enumerator = FileManager.default.enumerator(atPath: dir)
            var lists = [dir + "/cgroup.procs"]
            while let relative = enumerator?.nextObject() as? String {
                if relative.hasSuffix("/cgroup.procs") { lists.append(dir + "/" + relative) }
            }
            for list in lists {
                _killed += (contents(list) ?? "").split(separator: "\n").compactMap { Int32($0) }
                put(list, "")
            }
            put(dir + "/cgroup.events", "populated 0\nfrozen 0\n")
        case "cgroup.freeze":
            put(path, value)
            let populated = (contents(dir + "/cgroup.procs") ?? "").isEmpty ? 0 : 1
            let frozen = _freezeNeverCompletes ? 0 : Int(value) ?? 0
            put(dir + "/cgroup.events", "populated \(populated)\nfrozen \(frozen)\n")
        default:
            put(path, value)
        }
    }

    private func number(_ path: String) -> Int64? {
        (contents(path)?.split(separator: "\n").first).flatMap { Int64($0) }
    }

    func read(_ path: String) throws(CgroupError) -> String {
        lock.lock(); defer { lock.unlock() }
        if path == "/proc/swaps", let swaps = _procSwaps { return swaps }
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

    /// Records the pid and drops it from every process list (unless it is unkillable); a v2 cgroup
    /// whose list empties reports `populated 0`, as the kernel does.
    func killProcess(_ pid: Int32, ifIn cgroup: String) {
        lock.lock(); defer { lock.unlock() }
        _killed.append(pid)
        guard !_unkillable.contains(pid) else { return }
        let enumerator = FileManager.default.enumerator(atPath: root)
        while let relative = enumerator?.nextObject() as? String {
            guard relative.hasSuffix("cgroup.procs") || relative.hasSuffix("/tasks") else { continue }
            let path = root + "/" + relative
            let kept = (contents(path) ?? "").split(separator: "\n").filter { Int32($0) != pid }
            put(path, kept.map { $0 + "\n" }.joined())
            let events = (path as NSString).deletingLastPathComponent + "/cgroup.events"
            if kept.isEmpty, let text = contents(events) {
                put(events, text.replacingOccurrences(of: "populated 1", with: "populated 0"))
            }
        }
    }

    func attachDeviceProgram(_ program: [UInt8], to directory: String) throws(CgroupError) {
        lock.lock(); defer { lock.unlock() }
        guard isDirectory(directory) else { throw .system(operation: "open", path: directory, value: nil, errno: ENOENT) }
        _attached.append((program, directory))
    }

    func subdirectories(_ path: String) -> [String] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        return entries.sorted().map { path + "/" + $0 }.filter(isDirectory)
    }
}
