import CCorralHost
#if canImport(Glibc)
import Glibc
#endif

/// The host side of a plan's bind sources and image root, opened once, as O_PATH fds.
///
/// The plan holds each source's canonical path, resolved once when the plan was checked
/// (`LaunchPlanBuilder`). Here that very path is opened without following any symbolic link (openat2
/// `RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS`): a component swapped for a symlink since the check
/// (to `/`, to corral's state) fails with ELOOP instead of sending the mount elsewhere. The protection
/// of corral's state is checked again on what was opened (its real path, `/proc/self/fd/N`), and the
/// fd is cloned here (`open_tree(fd, "", AT_EMPTY_PATH | OPEN_TREE_CLONE | AT_RECURSIVE)`) and the task's
/// launch code attaches that detached tree, never resolving the path again. The fds belong to the
/// caller's `FileDescriptors`: closed on every path.
struct MountSources {
    /// Step index in `LaunchPlan.mounts` to the detached tree of its bind source.
    var bindFDs: [Int: Int32] = [:]
    /// The image root's detached tree, or -1 (a fresh tmpfs root).
    var imageFD: Int32 = -1

    static func open(_ plan: LaunchPlan, into resources: inout FileDescriptors) throws(LaunchError) -> MountSources {
        var sources = MountSources()
        guard plan.mode == .isolated else { return sources }
        for (index, step) in plan.mounts.enumerated() {
            guard case .bind(let source, _, _, let attributes) = step else { continue }
            let fd = try openSource(source, option: "--bind", writable: !attributes.contains(.readOnly), into: &resources)
            sources.bindFDs[index] = fd
        }
        if let image = plan.rootImage {
            sources.imageFD = try openSource(image, option: "--rootfs", writable: !plan.rootReadOnly, into: &resources)
        }
        return sources
    }

    private static func openSource(_ path: String, option: String, writable: Bool,
                                   into resources: inout FileDescriptors) throws(LaunchError) -> Int32 {
        let fd = corral_open_path_no_symlinks(path)
        guard fd >= 0 else {
            let reason = -fd == ELOOP
                ? "\"\(path)\" now leads through a symbolic link (it changed since it was checked): refused"
                : "cannot open \"\(path)\": \(String(cString: strerror(-fd)))"
            throw .invalid(option: option, value: path, reason: reason)
        }
        resources.adopt(fd)
        guard let real = realPath(of: fd) else {
            throw .invalid(option: option, value: path, reason: "cannot tell where \"\(path)\" is")
        }
        if writable && LaunchPlanBuilder.exposesCorralState(real) {
            throw .invalid(option: option, value: path,
                           reason: "is \(real), which would let the task write corral's own state "
                               + "(\(LaunchPlanBuilder.corralStateDirectory))")
        }
        // Cloned here: the task's launch code, in a mount namespace of its own, can attach a detached
        // tree but not clone one of ours.
        let tree = corral_clone_tree(fd)
        guard tree >= 0 else {
            throw .system(SyscallError("clone the mount tree of", errno: -tree, path: real))
        }
        resources.adopt(tree)
        return tree
    }

    /// What the kernel says `fd` is (`readlink /proc/self/fd/N`).
    static func realPath(of fd: Int32) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlink("/proc/self/fd/\(fd)", &buffer, Int(PATH_MAX))
        guard n > 0 else { return nil }
        return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
