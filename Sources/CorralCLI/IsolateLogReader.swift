import CorralHostFS
#if canImport(Glibc)
import Glibc
#endif

/// Copies one log of an isolate task (`stdout.log` or `stderr.log` in its state directory) from its
/// start: the rotated files oldest first (`NAME.N` … `NAME.1`), then the live one; following, it goes
/// on as the supervisor writes, across rotations, until the supervisor has exited.
///
/// The supervisor rotates by renaming (`NAME` → `NAME.1`, `NAME.1` → `NAME.2`, …, the oldest falling
/// off) and creating a new `NAME`. Files are told apart by identity (device and inode), never by
/// name: the open file is read to its end once another file holds its name, then every rotated file
/// not read yet, oldest first, then the new one. Files are opened through `HostDirectory` (no link
/// followed, regular files only, non-blocking) and read in bounded chunks, each written out at once.
///
/// Synchronous, for a command's main thread: waiting means `poll` on the supervisor's pidfd, with the
/// sampling period as its timeout (a polling period, as `tail -F` has; the pidfd ends it at once).
struct IsolateLogReader {
    let directory: HostDirectory
    let name: String
    /// Takes each chunk; false when nobody reads any more (`| head`): the copy stops.
    let write: ([UInt8]) -> Bool

    private var current: HostFile?
    /// The files copied whole (rotated ones, and the live one once it was rotated).
    private var copied: Set<FileIdentity> = []

    /// How long a follow waits between two looks at the log.
    static let period: Int32 = 100
    /// The most bytes read at once.
    static let chunk = 65536
    /// The most rotated files looked for (the supervisor keeps `--log-max-files`, 10 by default).
    static let mostRotated = 10_000

    init(directory: HostDirectory, name: String, write: @escaping ([UInt8]) -> Bool) {
        self.directory = directory
        self.name = name
        self.write = write
    }

    /// Copies what is there now: the rotated files, then the live one up to its size when opened (a
    /// task writing faster than we copy cannot keep us here). False when the output is gone.
    mutating func copyNow() -> Bool {
        guard openLive() else { return false }
        guard let current, let size = try? current.size() else { return true }
        return copy(current, limit: size)
    }

    /// Copies everything, then follows until the process behind `supervisorPidfd` has exited; a
    /// last look after its exit takes what it wrote before. False when the output is gone.
    mutating func follow(supervisorPidfd: Int32) -> Bool {
        guard openLive() else { return false }
        while true {
            var entry = pollfd(fd: supervisorPidfd, events: Int16(POLLIN), revents: 0)
            let ended = poll(&entry, 1, 0) > 0
            guard step() else { return false }
            if ended { return true }
            _ = poll(&entry, 1, Self.period)
        }
    }

    /// Copies what the live file holds; once another file holds the name, finishes the old one, then
    /// what was rotated meanwhile, then starts on the new one.
    private mutating func step() -> Bool {
        if let current, !copy(current) { return false }
        guard let live = directory.identity(of: name), live != current?.identity else { return true }
        if let current {
            guard copy(current) else { return false }
            copied.insert(current.identity)
        }
        guard openLive() else { return false }
        if let current { return copy(current) }
        return true
    }

    /// Opens the live file (when there is one yet), then copies the rotated files not copied: after
    /// the open, so that a file rotated away in between is among them, and before the live file's
    /// bytes, which are newer.
    private mutating func openLive() -> Bool {
        current = try? directory.regularFile(name)
        return copyRotated()
    }

    /// Copies each rotated file not copied yet (nor open), oldest first.
    private mutating func copyRotated() -> Bool {
        let rotated = rotatedFiles()
        // Forget files that are gone: their inode numbers may be given to new files.
        copied.formIntersection(rotated.map(\.identity))
        for (index, identity) in rotated.reversed() where !copied.contains(identity) && identity != current?.identity {
            guard let file = try? directory.regularFile("\(name).\(index)"), file.identity == identity else { continue }
            guard copy(file) else { return false }
            copied.insert(identity)
        }
        return true
    }

    /// `NAME.1`, `NAME.2`, … as they are now, newest first. A rotation in progress leaves one gap
    /// at a time (each rename empties the name the next one fills), so two missing names end the list.
    private func rotatedFiles() -> [(index: Int, identity: FileIdentity)] {
        var found: [(index: Int, identity: FileIdentity)] = []
        var missing = 0
        for index in 1...Self.mostRotated {
            if let identity = directory.identity(of: "\(name).\(index)") {
                found.append((index, identity))
                missing = 0
            } else {
                missing += 1
                if missing == 2 { break }
            }
        }
        return found
    }

    /// Copies from the file's offset to its end (or `limit` bytes from the start); false when the
    /// output is gone.
    private func copy(_ file: HostFile, limit: Int = .max) -> Bool {
        var total = 0
        while total < limit, let bytes = try? file.read(upTo: min(Self.chunk, limit - total)), !bytes.isEmpty {
            guard write(bytes) else { return false }
            total += bytes.count
        }
        return true
    }
}
