import CorralHostFS

/// Streams a task's log: the rotated files oldest first (`<name>.N` … `<name>.1`), then the live
/// file, as one sequence of bytes from an offset counted from its start or its end. Following, it
/// then reads what the task writes next, across rotations (the supervisor renames the live file
/// and starts a new one: the renamed file is read to its end before the new one), until the task
/// is dead and everything is read, or the request is cancelled (its client went away).
///
/// The log directory is the task's to write: it is reached from the allocation directory without
/// following any link (`HostDirectory`), once, before the answer starts, so that a planted symlink
/// at `alloc`, `logs`, the live or a rotated file is a clear error and never a host file. Files are
/// opened without blocking and must be regular. `-tail` scans back at most `scanLimit` bytes.
/// New data is noticed by looking every `period`, as `tail -F` does; no event tells of it.
///
/// A follow asked for before the task's log directory exists (the allocation is still being set
/// up) waits for it while the task has not finished, so that `alloc logs -f` right after a submit
/// shows the task's output from its start instead of failing on a race with the set-up.
struct LogStreamer: Sendable {
    let source: TaskLogSource
    let fromEnd: Bool
    let offset: Int
    let follow: Bool
    /// Start at the `lines`-th line from the end instead (`tail -n`; counted across rotated files).
    var lines: Int? = nil
    var period: Duration = .milliseconds(50)
    var scanLimit = LastLines.defaultScanLimit
    static let chunkSize = 64 * 1024
    /// Rotated files beyond this many are not read (the supervisor keeps `max_files`, 10 by default;
    /// a task may plant a million, and each one read is an fd held while the request lasts).
    static let maxRotatedFiles = 128

    /// The log opened and measured, where reading starts: everything that can fail on the task's
    /// doing has failed by now, before the answer's status is sent.
    struct Prepared: Sendable {
        /// Nil when following a log whose directory is not made yet: `stream` waits for it.
        let directory: HostDirectory?
        let rotated: [HostFile]
        let live: HostFile?
        /// Where reading starts, over the files as one sequence.
        let start: Int
        /// `-tail` did not find its lines within `scanLimit` bytes: the answer starts where the scan stopped.
        let scanLimited: Bool
    }

    func prepare() throws(HostFSError) -> Prepared {
        let directory: HostDirectory
        do {
            directory = try HostDirectory.open(trusted: source.allocDir).directory(source.logDirectory)
        } catch where follow && error.isMissing {
            return Prepared(directory: nil, rotated: [], live: nil, start: 0, scanLimited: false)
        }
        var rotated: [HostFile] = []
        for number in 1...Self.maxRotatedFiles {
            do { rotated.append(try directory.regularFile("\(source.fileName).\(number)")) } catch where error.isMissing { break }
        }
        rotated.reverse()
        var live: HostFile?
        do { live = try directory.regularFile(source.fileName) } catch where error.isMissing { live = nil }
        let files = rotated + (live.map { [$0] } ?? [])
        var sizes: [Int] = []
        for file in files { sizes.append(try file.size()) }
        let total = try LogTotal.of(sizes, path: source.fileName)
        if let lines {
            let found = try LastLines.find(lines, in: files, sizes: sizes, scanLimit: scanLimit)
            return Prepared(directory: directory, rotated: rotated, live: live, start: found.offset, scanLimited: found.limited)
        }
        return Prepared(directory: directory, rotated: rotated, live: live,
                        start: fromEnd ? max(total - offset, 0) : min(offset, total), scanLimited: false)
    }

    /// Prepares and streams (for callers with no answer status to send first).
    func stream(_ emit: (borrowing [UInt8]) async throws -> Void) async throws {
        try await stream(try prepare(), emit)
    }

    /// Streams from where `prepared` starts; stops (throwing `CancellationError`) when the task is
    /// cancelled or `clientGone` is raised.
    func stream(_ prepared: Prepared, clientGone: CancellationFlag? = nil,
                _ emit: (borrowing [UInt8]) async throws -> Void) async throws {
        let gone = clientGone ?? CancellationFlag()
        guard prepared.directory != nil else {
            // Not made yet: look again every period until it is, or the task is done without one.
            // The task's state is read before the directory is looked for, so a task that made its
            // log and finished in between is still read to its end.
            while true {
                try Task.checkCancellation()
                if gone.isRaised { throw CancellationError() }
                let state = await source.writer()
                if case .agentStopping = state { throw LogStreamEnded.agentStopping }
                let next = try prepare()
                if next.directory != nil { return try await stream(next, clientGone: gone, emit) }
                if case .finished = state { return }
                try await Task.sleep(for: period)
            }
        }
        var skip = prepared.start
        // The rotated files: read whole (past the skipped part); they no longer change.
        for file in prepared.rotated {
            let size = try file.size()
            if skip >= size {
                skip -= size
                continue
            }
            try file.seek(to: skip)
            skip = 0
            try await Self.copy(file, gone, emit)
        }
        // The live file.
        var live = prepared.live
        if let live, skip > 0 { try live.seek(to: skip) }
        guard follow else {
            if let live { try await Self.copy(live, gone, emit) }
            return
        }
        guard let directory = prepared.directory else { return }
        // The file last found under the name (it may be one we refused: it is not tried again).
        var named = live?.identity
        while true {
            try Task.checkCancellation()
            if gone.isRaised { throw CancellationError() }
            if let current = live { try await Self.copy(current, gone, emit) }
            // Rotated: the file under the name is another one. What is left in ours is read first.
            let now = directory.identity(of: source.fileName)
            if let now, now != named {
                if let old = live { try await Self.copy(old, gone, emit) }
                named = now
                live = try? directory.regularFile(source.fileName)
                continue
            }
            switch await source.writer() {
            case .writing: break
            case .finished:
                if let current = live { try await Self.copy(current, gone, emit) }
                return
            case .agentStopping:
                // Cut the answer short (no clean end), so that the client reports an error
                // instead of a log that ended.
                throw LogStreamEnded.agentStopping
            }
            try await Task.sleep(for: period)
        }
    }

    enum LogStreamEnded: Error { case agentStopping }

    /// Copies from the file offset to the end, a chunk at a time, stopping when cancelled.
    static func copy(_ file: HostFile, _ gone: CancellationFlag, _ emit: (borrowing [UInt8]) async throws -> Void) async throws {
        while true {
            try Task.checkCancellation()
            if gone.isRaised { throw CancellationError() }
            let chunk = try file.read(upTo: chunkSize)
            if chunk.isEmpty { return }
            try await emit(chunk)
        }
    }
}
