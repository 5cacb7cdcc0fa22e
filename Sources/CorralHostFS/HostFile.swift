#if canImport(Glibc)
import Glibc
#endif
import CCorralHost

/// An open regular file a task could have written: reads are bounded by the caller, never by the
/// file's good will. Sendable as `HostDirectory` is (an immutable fd closed in `deinit`).
package final class HostFile: Sendable {
    package let fd: Int32
    package let path: String
    package let identity: FileIdentity

    /// Takes `fd` over (closing it on failure) and checks that it is a regular file.
    package init(adopting fd: Int32, path: String) throws(HostFSError) {
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let code = errno
            close(fd)
            throw HostFSError(operation: "stat", path: path, errno: code)
        }
        guard info.st_mode & S_IFMT == S_IFREG else {
            close(fd)
            throw HostFSError(operation: "open", path: path, errno: EINVAL,
                              reason: "not a regular file (\(fileTypeName(info.st_mode)))")
        }
        self.fd = fd
        self.path = path
        self.identity = FileIdentity(info)
    }

    deinit { close(fd) }

    /// The file's size now.
    package func size() throws(HostFSError) -> Int {
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw HostFSError(operation: "stat", path: path, errno: errno) }
        return Int(info.st_size)
    }

    /// Reads up to `count` bytes at the file offset (advancing it); empty at the end.
    package func read(upTo count: Int) throws(HostFSError) -> [UInt8] {
        try Self.filling(count, path: path) { Glibc.read(fd, $0, count) }
    }

    /// Reads up to `count` bytes at `offset` without moving the file offset.
    package func read(at offset: Int, upTo count: Int) throws(HostFSError) -> [UInt8] {
        try Self.filling(count, path: path) { pread(fd, $0, count, off_t(offset)) }
    }

    /// The bytes one read call gives into a buffer of `count` (retried on EINTR). The buffer is not
    /// zeroed first: only what the read wrote is kept, and zeroing (and faulting in) 64 KiB for a
    /// 2 KiB file was a measurable part of every start.
    private static func filling(_ count: Int, path: String,
                                _ readInto: (UnsafeMutableRawPointer?) -> Int) throws(HostFSError) -> [UInt8] {
        var failure: Int32 = 0
        let bytes = [UInt8](unsafeUninitializedCapacity: max(count, 0)) { buffer, initialized in
            while true {
                let got = readInto(buffer.baseAddress)
                if got < 0 && errno == EINTR { continue }
                if got < 0 { failure = errno; initialized = 0 } else { initialized = got }
                return
            }
        }
        guard failure == 0 else { throw HostFSError(operation: "read", path: path, errno: failure) }
        return bytes
    }

    /// Moves the file offset to `offset` from the start.
    package func seek(to offset: Int) throws(HostFSError) {
        guard lseek(fd, off_t(offset), SEEK_SET) >= 0 else { throw HostFSError(operation: "seek", path: path, errno: errno) }
    }

    /// The whole file, refused when it holds more than `limit` bytes (it is read up to `limit + 1`
    /// bytes, never more, whatever its size claims: /proc-like and growing files lie).
    package func readAll(limit: Int) throws(HostFSError) -> [UInt8] {
        var bytes: [UInt8] = []
        while bytes.count <= limit {
            let chunk = try read(upTo: min(64 * 1024, limit + 1 - bytes.count))
            if chunk.isEmpty { return bytes }
            bytes += chunk
        }
        throw HostFSError(operation: "read", path: path, errno: EFBIG, reason: "larger than \(Self.describe(limit)), refused")
    }

    static func describe(_ bytes: Int) -> String {
        bytes % (1 << 20) == 0 ? "\(bytes >> 20) MiB" : "\(bytes) bytes"
    }
}
