#if canImport(Glibc)
import Glibc
#endif

/// Compiled filters kept on disk between processes. `corral isolate` is one process per task, so the
/// per-process cache alone would compile the default profile (2 ms with libseccomp, plus parsing) on
/// every start. An entry holds the exact profile text and target it was compiled from, and is used
/// only if both match byte for byte, so a stale or colliding entry can never apply the wrong filter.
///
/// The directory must be owned by root, mode 0700 (corral creates it so): whoever could write there
/// could weaken every task's filter. Entries not owned by us, or writable by others, are ignored.
/// Any failure (read-only /run, no space) just means compiling again.
public struct FilterCache: Sendable {
    public let directory: String

    public init(directory: String) {
        self.directory = directory
    }

    /// `/run/corral/cache/seccomp`, as root; nil for other users (no shared cache).
    public static var standard: FilterCache? {
        geteuid() == 0 ? FilterCache(directory: "/run/corral/cache/seccomp") : nil
    }

    /// The entry's key material: what must match for the program to be reused.
    static func header(text: String, target: FilterTarget) -> [UInt8] {
        let caps = target.capabilities.sorted().joined(separator: ",")
        let version = "\(SeccompCompiler.libseccompVersion)"
        return Array("corral-seccomp-cache \(SeccompCompiler.semanticsVersion)\n\(version)\n\(target.kernel)\n\(caps)\n\(text.utf8.count)\n".utf8)
            + Array(text.utf8)
    }

    /// FNV-1a over the key material, as a file name (the content check makes collisions harmless).
    static func name(_ header: [UInt8]) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in header {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex + ".bpf"
    }

    public func load(text: String, source: String, target: FilterTarget) -> CompiledFilter? {
        guard directoryIsPrivate() else { return nil }
        let header = Self.header(text: text, target: target)
        let fd = open(directory + "/" + Self.name(header), O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var st = stat()
        // A regular file of ours, writable by no one else, with no other name to write it through.
        guard fstat(fd, &st) == 0, st.st_mode & S_IFMT == S_IFREG, st.st_uid == geteuid(), st.st_mode & 0o022 == 0,
              st.st_nlink == 1, st.st_size > header.count else { return nil }
        var bytes = [UInt8](repeating: 0, count: Int(st.st_size))
        guard bytes.withUnsafeMutableBytes({ pread(fd, $0.baseAddress, $0.count, 0) }) == bytes.count,
              bytes.starts(with: header) else { return nil }
        let program = Array(bytes[header.count...])
        guard program.count % 8 == 0 else { return nil }
        return CompiledFilter(program: program, unknownSyscalls: [])
    }

    /// Stores an entry atomically (temporary file, then rename); creates the directory 0700.
    /// Filters that skipped unknown system calls are not stored, so their warning is never lost.
    public func store(_ filter: CompiledFilter, text: String, source: String, target: FilterTarget) {
        guard filter.unknownSyscalls.isEmpty, makeDirectories() else { return }
        let header = Self.header(text: text, target: target)
        let final = directory + "/" + Self.name(header)
        let temporary = final + ".\(getpid()).tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else { return }
        let bytes = header + filter.program
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        if written != bytes.count || rename(temporary, final) != 0 { unlink(temporary) }
    }

    /// Every level created 0700 if missing; the last must be a directory only we can write.
    private func makeDirectories() -> Bool {
        var path = ""
        for component in directory.split(separator: "/") {
            path += "/" + component
            if mkdir(path, 0o700) != 0 && errno != EEXIST { return false }
        }
        return directoryIsPrivate()
    }

    /// The directory is a real directory (not a symlink), ours, and closed to everyone else.
    private func directoryIsPrivate() -> Bool {
        var st = stat()
        return lstat(directory, &st) == 0 && st.st_mode & S_IFMT == S_IFDIR && st.st_uid == geteuid() && st.st_mode & 0o077 == 0
    }
}
