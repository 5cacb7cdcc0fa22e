#if canImport(Glibc)
import Glibc
#endif

/// The empty directory skeleton a driver can leave under the state root for an allocation
/// (`<state root>/<alloc>/<task>/<restart>`): an agent killed between creating a run's parents and
/// the run's own directory, or between removing the run and its parents, leaves directories nobody
/// names any more. Only empty directories are removed (`rmdir`, which never follows a link and
/// never removes anything with content): a run that still has a record is left to its driver.
package enum EmptyStateDirectories {
    /// Removes `<stateRoot>/<allocationID>` and the task and run directories below it that are empty.
    package static func prune(stateRoot: String, allocationID: String) {
        guard !allocationID.isEmpty, !allocationID.contains("/"), allocationID != ".", allocationID != ".." else { return }
        let allocation = stateRoot + "/" + allocationID
        for task in children(of: allocation) {
            for run in children(of: allocation + "/" + task) { rmdir(allocation + "/" + task + "/" + run) }
            rmdir(allocation + "/" + task)
        }
        rmdir(allocation)
    }

    /// The names in a directory (not following a link to it), at most a few hundred: a run's
    /// directories are numbered restarts.
    private static func children(of path: String) -> [String] {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0, let directory = fdopendir(fd) else {
            if fd >= 0 { close(fd) }
            return []
        }
        defer { closedir(directory) }
        var names: [String] = []
        while names.count < 1024, let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }
}
