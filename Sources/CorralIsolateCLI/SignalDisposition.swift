import CorralIsolation
#if canImport(Glibc)
import Glibc
#endif

/// How a process of the task treats a signal, from the masks the kernel shows in `/proc/PID/status`
/// (`SigCgt`: a handler, `SigBlk`: blocked, `SigIgn`: ignored). A blocked signal counts as handled: the
/// kernel queues it even for a namespace's init, and a program that blocks a signal reads it from a
/// signalfd or sigwait (corral-init does). Read from the host about a task's process: the file is the
/// kernel's, read bounded and without blocking; a task can only choose its own dispositions.
enum SignalDisposition {
    /// How `pid` treats `signal`; `namespaceInit`: it is PID 1 of the task's pid namespace, where the
    /// kernel drops a signal that has no handler. A process that is gone takes the default action.
    static func of(_ pid: pid_t, signal: Int32, namespaceInit: Bool) -> InterruptPolicy.Disposition {
        guard pid > 0, let status = LiveHost().readTextFile(atPath: "/proc/\(pid)/status") else { return .defaultAction }
        return parse(status: status, signal: signal, namespaceInit: namespaceInit)
    }

    /// The disposition the status text shows, from the `SigCgt:`, `SigBlk:` and `SigIgn:` lines. `Name:`
    /// is the one field a process sets itself; the kernel escapes its newlines, so it cannot forge them.
    static func parse(status: String, signal: Int32, namespaceInit: Bool) -> InterruptPolicy.Disposition {
        guard signal >= 1, signal <= 64 else { return .defaultAction }
        var caught: UInt64 = 0, ignored: UInt64 = 0
        for line in status.split(separator: "\n") {
            if line.hasPrefix("SigCgt:") || line.hasPrefix("SigBlk:") { caught |= mask(line) }
            if line.hasPrefix("SigIgn:") { ignored = mask(line) }
        }
        let bit = UInt64(1) << UInt64(signal - 1)
        if caught & bit != 0 { return .handled }
        if namespaceInit { return .dropped }
        return ignored & bit != 0 ? .ignored : .defaultAction
    }

    private static func mask(_ line: Substring) -> UInt64 {
        UInt64(line.dropFirst(7).trimmingCharacters(in: " \t"), radix: 16) ?? 0
    }
}

private extension Substring {
    func trimmingCharacters(in set: String) -> String {
        String(drop { set.contains($0) }.reversed().drop { set.contains($0) }.reversed())
    }
}
