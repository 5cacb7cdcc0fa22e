/// Kills every process of a cgroup without a kernel "kill the cgroup" switch (v1, and v2 before
/// Linux 5.14): freeze so that nothing can fork while we read the list, SIGKILL each process,
/// thaw so the signals are delivered, and repeat until `cgroup.procs` is empty.
struct ProcessSweep {
    let fs: any CgroupFileSystem
    /// The `cgroup.procs` file listing every process of the cgroup.
    let procsFile: String
    /// Freezes and thaws the cgroup; nil on v1 hosts without a freezer hierarchy.
    let freezer: (any CgroupManager)?
    /// `cgroup.procs` raises no change notification on either version: it is re-read with a backoff.
    static let rounds = 50

    func run() throws(CgroupError) {
        for _ in 0..<Self.rounds {
            let pids = try Self.pids(fs.read(procsFile))
            if pids.isEmpty { return }
            // Without a freezer (v1 hosts that do not mount it) the sweep still converges: a fork
            // that escapes one round is killed in the next.
            try? freezer?.freeze()
            for pid in try Self.pids(fs.read(procsFile)) { fs.killProcess(pid) }
            try? freezer?.thaw()
            _ = fs.wait(for: procsFile, notifies: false, milliseconds: 200) { Self.pids($0).isEmpty }
        }
        let left = try Self.pids(fs.read(procsFile)).count
        if left > 0 { throw .notEmpty(path: procsFile, remaining: left) }
    }

    static func pids(_ text: String) -> [Int32] {
        text.split(separator: "\n").compactMap { Int32($0) }
    }
}
