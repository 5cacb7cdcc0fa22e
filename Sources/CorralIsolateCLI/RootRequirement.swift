#if canImport(Glibc)
import Glibc
#endif

/// What corral does for its tasks (namespaces, cgroups, mounts, the allocation directories' tmpfs)
/// needs root. A caller who is not root gets one message saying so, and what would work, before
/// anything is tried: not the first permission error of whichever step came first.
package enum RootRequirement {
    /// nil for root; else the message for `corral COMMAND`, with `alternatives` (what else would work).
    package static func refusal(_ command: String, alternatives: [String], euid: uid_t = geteuid()) -> String? {
        guard euid != 0 else { return nil }
        let ways = ["`sudo corral \(command) ...`"] + alternatives
        return "corral \(command) needs root: it makes namespaces, cgroups and mounts for its tasks "
            + "(you are uid \(euid)). Run it as root: " + ways.joined(separator: ", or ")
    }
}
