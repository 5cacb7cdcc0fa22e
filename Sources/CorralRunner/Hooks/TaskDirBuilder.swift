#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Makes and removes allocation and task directories. The host implementation (in
/// `CorralAllocDir`) mounts `secrets/` as a tmpfs; the runner core only calls this protocol.
package protocol TaskDirBuilder: Sendable {
    /// Creates the allocation's shared `alloc/{data,logs,tmp}` (if missing) and the task's
    /// `local/`, `secrets/`, `tmp/`. Idempotent.
    func build(_ directory: TaskDirectory) async throws
    /// Removes the allocation directory and everything in it (unmounting what `build` mounted).
    func destroy(allocDir: String) async throws
}
