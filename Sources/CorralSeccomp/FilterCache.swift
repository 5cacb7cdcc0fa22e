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
package struct FilterCache: Sendable {
    package let directory: String

    package init(directory: String) {
        self.directory = directory
    }

    /// `/run/corral/cache/seccomp`, as root; nil for other users (no shared cache).
    package static var standard: FilterCache? {
        geteuid() == 0 ? FilterCache(directory: "/run/corral/cache/seccomp") : nil
    }

    /// The entry's key material, before the profile text: what must match for the program to be reused.
    static func prefix(textLength: Int, target: FilterTarget) -> [UInt8] {
        let caps = target.capabilities.sorted().joined(separator: ",")
        return Array("corral-seccomp-cache \(SeccompCompiler.semanticsVersion)\n\(SeccompCompiler.libseccompVersion)\n\(target.kernel)\n\(caps)\n\(textLength)\n".utf8)
    }

    /// A 64-bit hash of the key material, as a file name (the content check makes collisions
    /// harmless). Eight bytes per step, in place: the profile is 30 kB, hashed on every start.
    static func name(prefix: [UInt8], text: UnsafeBufferPointer<UInt8>) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix(_ bytes: UnsafeRawBufferPointer) {
            var i = 0
            while i + 8 <= bytes.count {
                hash = (hash ^ bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0x100_0000_01b3
                hash ^= hash >> 29
                i += 8
            }
            while i < bytes.count {
                hash = (hash ^ UInt64(bytes[i])) &* 0x100_0000_01b3
                i += 1
            }
        }
        prefix.withUnsafeBytes { mix($0) }
        mix(UnsafeRawBufferPointer(text))
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex + ".bpf"
    }

    package func load(text: String, source: String, target: FilterTarget) -> CompiledFilter? {
        guard directoryIsPrivate() else { return nil }
        var text = text
        return text.withUTF8 { textBytes -> CompiledFilter? in
            let prefix = Self.prefix(textLength: textBytes.count, target: target)
            let fd = open(directory + "/" + Self.name(prefix: prefix, text: textBytes), O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
            guard fd >= 0 else { return nil }
            defer { close(fd) }
            var st = stat()
            let headerLength = prefix.count + textBytes.count
            // A regular file of ours, writable by no one else, with no other name to write it through.
            guard fstat(fd, &st) == 0, st.st_mode & S_IFMT == S_IFREG, st.st_uid == geteuid(), st.st_mode & 0o022 == 0,
                  st.st_nlink == 1, st.st_size > headerLength else { return nil }
            var bytes = [UInt8](repeating: 0, count: Int(st.st_size))
            guard bytes.withUnsafeMutableBytes({ pread(fd, $0.baseAddress, $0.count, 0) }) == bytes.count else { return nil }
            let matches = bytes.withUnsafeBytes { entry -> Bool in
                guard let start = entry.baseAddress else { return false }
                let prefixMatches = prefix.withUnsafeBytes { p in p.baseAddress.map { memcmp(start, $0, prefix.count) == 0 } ?? false }
                let textMatches = textBytes.baseAddress.map { memcmp(start + prefix.count, $0, textBytes.count) == 0 } ?? true
                return prefixMatches && textMatches
            }
            guard matches, (bytes.count - headerLength) % 8 == 0 else { return nil }
            return CompiledFilter(program: Array(bytes[headerLength...]), unknownSyscalls: [])
        }
    }

    /// Stores an entry atomically (temporary file, then rename); creates the directory 0700.
    /// Filters that skipped unknown system calls are not stored, so their warning is never lost.
    package func store(_ filter: CompiledFilter, text: String, source: String, target: FilterTarget) {
        guard filter.unknownSyscalls.isEmpty, makeDirectories() else { return }
        var text = text
        text.withUTF8 { textBytes in
            let prefix = Self.prefix(textLength: textBytes.count, target: target)
            let final = directory + "/" + Self.name(prefix: prefix, text: textBytes)
            let temporary = final + ".\(getpid()).tmp"
            let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o600)
            guard fd >= 0 else { return }
            let bytes = prefix + Array(textBytes) + filter.program
            let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            close(fd)
            if written != bytes.count || rename(temporary, final) != 0 { unlink(temporary) }
        }
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
