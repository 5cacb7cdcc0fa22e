#if canImport(Glibc)
import Glibc
#endif
import CCap
import CCorralHost
import CorralHostFS

/// What a path on the host is.
package enum FileKind: Equatable, Sendable {
    case directory
    case file
    case symlink(String)
    case other
}

/// The facts about the host a launch plan depends on; tests substitute a fake.
package protocol HostEnvironment: Sendable {
    /// The kind of `path`, or nil when it does not exist.
    func fileKind(atPath path: String, followSymlinks: Bool) -> FileKind?
    /// The contents of a text file, or nil when it cannot be read.
    func readTextFile(atPath path: String) -> String?
    /// A text file of a task's root (`/etc/passwd` of an image), resolved as if `root` were `/`,
    /// so an image's symlinks cannot point the read at the host's files; nil when it does not
    /// exist. Throws (saying why) when it is not a regular file or is too big to be one
    /// (`ImageFile`): an image can make it a FIFO, a device or a terabyte.
    func readTextFile(atPath path: String, inRoot root: String) throws -> String?
    /// The caller's current hard limit for an rlimit resource.
    func hardLimit(resource: Int32) -> UInt64
    /// Whether the caller may raise hard limits (CAP_SYS_RESOURCE in its effective set).
    var canRaiseHardLimits: Bool { get }
    /// The caller's capability bounding set: no task can be given more.
    var capabilityBoundingSet: CapabilitySet { get }
    /// The highest capability number this kernel knows (`/proc/sys/kernel/cap_last_cap`).
    var lastCapability: Int32 { get }
    /// `uname -r`, for profile rules that depend on the kernel.
    var kernelRelease: String { get }
    /// The device node at `path` (following symlinks), or nil if it is missing or not a device.
    func deviceNode(atPath path: String) -> DeviceNode?
    /// `path` with every symlink resolved (`realpath`), or nil when it cannot be resolved.
    func canonicalPath(_ path: String) -> String?
}

extension HostEnvironment {
    /// Fakes keep paths as they are.
    package func canonicalPath(_ path: String) -> String? { path }
}

/// The real host, through system calls.
package struct LiveHost: HostEnvironment {
    package init() {}

    package func fileKind(atPath path: String, followSymlinks: Bool) -> FileKind? {
        var st = stat()
        let rc = followSymlinks ? stat(path, &st) : lstat(path, &st)
        guard rc == 0 else { return nil }
        switch st.st_mode & S_IFMT {
        case S_IFDIR: return .directory
        case S_IFREG: return .file
        case S_IFLNK:
            var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            let n = readlink(path, &buffer, Int(PATH_MAX))
            guard n >= 0 else { return .other }
            return .symlink(String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self))
        default: return .other
        }
    }

    /// Non-blocking, regular files only, at most `maximumTextFileBytes` (nil otherwise): a FIFO or a
    /// device put where a file is expected neither blocks nor floods the caller.
    package func canonicalPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    package func readTextFile(atPath path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)
        return fd >= 0 ? readAll(fd) : nil
    }

    /// The most `readTextFile` reads (profiles, exit records).
    package static let maximumTextFileBytes = 1 << 20

    package func readTextFile(atPath path: String, inRoot root: String) throws -> String? {
        try ImageFile.readText(path, inRoot: root)
    }

    /// Reads an fd to EOF and closes it.
    private func readAll(_ fd: Int32) -> String? {
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, st.st_mode & S_IFMT == S_IFREG, st.st_size <= Self.maximumTextFileBytes else { return nil }
        // Sized by what the file says it holds (/proc files say 0), never zeroed: zeroing and faulting
        // in 64 KiB for every 2 KiB /etc/passwd was a measurable part of every start.
        let chunkSize = max(4096, min(Int(st.st_size) + 1, 65536))
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 16)
        defer { chunk.deallocate() }
        var bytes: [UInt8] = []
        while true {
            let n = read(fd, chunk.baseAddress, chunkSize)
            if n < 0 && errno == EINTR { continue }
            if n < 0 { return nil }
            if n == 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
            if bytes.count > Self.maximumTextFileBytes { return nil }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    package func hardLimit(resource: Int32) -> UInt64 {
        var limit = rlimit()
        guard getrlimit(__rlimit_resource_t(UInt32(resource)), &limit) == 0 else { return UInt64.max }
        return UInt64(limit.rlim_max)  // RLIM_INFINITY is all ones, which is UInt64.max
    }

    package var capabilityBoundingSet: CapabilitySet {
        var set = CapabilitySet()
        for cap in 0...lastCapability where cap_get_bound(cap_value_t(cap)) == 1 { set.insert(cap) }
        return set
    }

    package func deviceNode(atPath path: String) -> DeviceNode? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        let kind = st.st_mode & S_IFMT
        guard kind == S_IFCHR || kind == S_IFBLK else { return nil }
        return DeviceNode(isBlock: kind == S_IFBLK, major: UInt32(corral_dev_major(UInt64(st.st_rdev))),
                          minor: UInt32(corral_dev_minor(UInt64(st.st_rdev))), permissions: UInt32(st.st_mode & 0o777))
    }

    package var kernelRelease: String {
        var info = utsname()
        uname(&info)
        return withUnsafeBytes(of: info.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    }

    package var lastCapability: Int32 {
        Int32(cap_max_bits()) - 1
    }

    package var canRaiseHardLimits: Bool {
        guard let caps = cap_get_proc() else { return false }
        defer { cap_free(UnsafeMutableRawPointer(caps)) }
        var value = CAP_CLEAR
        guard cap_get_flag(caps, cap_value_t(CAP_SYS_RESOURCE), CAP_EFFECTIVE, &value) == 0 else { return false }
        return value == CAP_SET
    }
}
