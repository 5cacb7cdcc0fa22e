import CCorralHost
#if canImport(Glibc)
import Glibc
#endif

/// Descriptors opened during a launch, closed on every path out of it.
package struct FileDescriptors {
    private var open: [Int32] = []

    package init() {}

    package mutating func pipe(_ what: String) throws(LaunchError) -> (read: Int32, write: Int32) {
        var fds: [Int32] = [-1, -1]
        let rc = fds.withUnsafeMutableBufferPointer { corral_pipe_cloexec($0.baseAddress) }
        guard rc == 0 else { throw .system(SyscallError(what, errno: -rc)) }
        open += fds
        return (fds[0], fds[1])
    }

    package mutating func adopt(_ fd: Int32) { open.append(fd) }

    package mutating func forget(_ fd: Int32) { open.removeAll { $0 == fd } }

    package mutating func closeAll(except keep: [Int32] = []) {
        for fd in open where !keep.contains(fd) { close(fd) }
        open = open.filter { keep.contains($0) }
    }
}
