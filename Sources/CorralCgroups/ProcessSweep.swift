/// Kills every process of a cgroup without a kernel "kill the cgroup" switch (v1, and v2 before
/// Linux 5.14): freeze so that nothing can fork while we read the lists, SIGKILL each process of
/// the subtree (a task running as root can make cgroups inside its own), thaw so the signals are
/// delivered, and repeat until every `cgroup.procs` is empty.
struct ProcessSweep {
    let fs: any CgroupFileSystem
    /// The task's cgroup directory in one hierarchy: every process of the task is in its subtree.
    let directory: String
    /// Freezes and thaws the cgroup; nil on v1 hosts without a freezer hierarchy.
    let freezer: (any CgroupManager)?
    /// `cgroup.procs` raises no change notification on either version: it is re-read with a backoff.
    static let rounds = 50

    var name: String { String(directory.split(separator: "/").last ?? "") }

    func run() throws(CgroupError) {
        for _ in 0..<Self.rounds {
            if pids().isEmpty { return }
            // Without a freezer the sweep still converges: a fork that escapes one round dies in the next.
            try? freezer?.freeze()
            for pid in pids() { fs.killProcess(pid, ifIn: name) }
            try? freezer?.thaw()
            _ = fs.wait(for: directory + "/cgroup.procs", notifies: false, milliseconds: 200) { _ in pids().isEmpty }
        }
        let left = pids().count
        if left > 0 { throw .notEmpty(path: directory, remaining: left) }
    }

    /// The pids listed anywhere in the subtree.
    func pids() -> [Int32] {
        Self.subtree(directory, fs: fs).flatMap { Self.pids((try? fs.read($0 + "/cgroup.procs")) ?? "") }
    }

    /// `directory` and every cgroup below it, deepest first (the order rmdir needs).
    static func subtree(_ directory: String, fs: any CgroupFileSystem, depth: Int = 0) -> [String] {
        guard depth < 32 else { return [directory] }
        return fs.subdirectories(directory).flatMap { subtree($0, fs: fs, depth: depth + 1) } + [directory]
    }

    static func pids(_ text: String) -> [Int32] {
        text.split(separator: "\n").compactMap { Int32($0) }
    }
}
