import CorralAllocDir
import CorralCgroups
import CorralIsolation
#if canImport(Glibc)
import Glibc
#endif

/// Removes what an ended isolate task left on the host, as its supervisor and `corral isolate` would
/// have: what is left of its cgroup (processes killed, directories removed with rmdir), any mount
/// on its state directory (detached), then the directory (`StateDirectory.remove`: files and empty
/// directories only, nothing followed).
enum IsolateTaskRemover {
    /// What was removed for one task, and the first thing that could not be.
    struct Outcome: Sendable {
        var cgroups: [String] = []
        var unmounted: [String] = []
        var stateDirectoryRemoved = false
        var error: String?
    }

    /// Why the task must be left alone, or nil when it has ended and nobody else will clean up.
    static func refusal(_ task: IsolateTask) -> String? {
        if task.state.mayBeRunning { return task.state == .running ? "it is running" : "its state is \(task.state.text)" }
        if task.supervisorAlive { return "its supervisor is still finishing the task's cleanup" }
        if task.callerAlive { return "its corral isolate still runs (it removes the directory itself)" }
        return nil
    }

    static func remove(_ task: IsolateTask) -> Outcome {
        var outcome = Outcome()
        if let record = task.record, !record.cgroups.isEmpty {
            let existing = record.cgroups.filter { access($0, F_OK) == 0 }
            if !existing.isEmpty {
                guard let manager = CgroupManagers.recorded(name: record.id, directories: record.cgroups) else {
                    outcome.error = "the recorded cgroup directories (\(existing.joined(separator: ", "))) are not "
                        + "where corral makes a cgroup named \(record.id) on this host: left alone"
                    return outcome
                }
                do { try manager.destroy() } catch {
                    outcome.error = error.description
                    return outcome
                }
                outcome.cgroups = existing
            }
        }
        do {
            outcome.unmounted = try detachMounts(task.path)
        } catch {
            outcome.error = error.description
            return outcome
        }
        do { try StateDirectory(path: task.path).remove() } catch {
            outcome.error = error.description
            return outcome
        }
        outcome.stateDirectoryRemoved = true
        return outcome
    }

    /// Detaches every mount at or below `path` (the task's root is assembled on the state directory,
    /// but in the task's own mount namespace: on the host there is normally none), deepest first.
    static func detachMounts(_ path: String) throws(CLIFailure) -> [String] {
        guard let resolved = realpath(path, nil) else { return [] }
        let real = String(cString: resolved)
        free(resolved)
        let points: [String]
        do { points = try HostTaskDirBuilder.mountPoints(below: real) } catch {
            throw CLIFailure("cannot read the mount table: \(error)")
        }
        var detached: [String] = []
        // Deepest first; a point listed twice holds stacked mounts, one detached per entry.
        for point in points.sorted(by: { $0.split(separator: "/").count > $1.split(separator: "/").count })
        where umount2(point, Int32(MNT_DETACH) | Int32(UMOUNT_NOFOLLOW)) == 0 {
            detached.append(point)
        }
        if let left = try? HostTaskDirBuilder.mountPoints(below: real), !left.isEmpty {
            throw CLIFailure("cannot unmount \(left.joined(separator: ", "))")
        }
        return detached
    }
}
