import CCorralHost

/// Where the last N lines of a log begin, found by reading backwards from the end in bounded
/// chunks, and giving up after `scanLimit` bytes: a log a task wrote can be a terabyte of zeros
/// without a newline (a sparse file costs it nothing), and the answer must still come at once.
package struct LastLines: Sendable {
    /// Where the lines begin, counted over the files as one sequence of bytes.
    package var offset: Int
    /// True when the scan stopped at `scanLimit` before finding that many lines: `offset` is then
    /// where the scan stopped (the lines start at most `scanLimit` bytes before the end).
    package var limited: Bool

    /// The default scan bound: 16 MiB, read in a few milliseconds even from a hole.
    package static let defaultScanLimit = 16 << 20
    static let chunkSize = 64 * 1024

    /// Scans `files` (oldest first, read as one sequence; `sizes` as they were measured, so that a
    /// file growing meanwhile does not shift the answer) back from the end for the newline before
    /// the last `count` lines (a final newline ends the last line; it starts none).
    package static func find(_ count: Int, in files: [HostFile], sizes: [Int], scanLimit: Int = defaultScanLimit)
        throws(HostFSError) -> LastLines {
        let total = try LogTotal.of(sizes, path: "log")
        guard count > 0 else { return LastLines(offset: total, limited: false) }
        var end = total
        var newlines = 0
        var scanned = 0
        for (file, size) in zip(files, sizes).reversed() {
            let base = end - size
            var upper = size
            while upper > 0 {
                if scanned >= scanLimit { return LastLines(offset: base + upper, limited: true) }
                let lower = max(upper - chunkSize, 0, upper - (scanLimit - scanned))
                let chunk = try file.read(at: lower, upTo: upper - lower)
                // The file shrank under us (a task truncating it): start where it now ends.
                guard chunk.count == upper - lower else { return LastLines(offset: base + lower + chunk.count, limited: false) }
                scanned += chunk.count
                var length = chunk.count
                while length > 0 {
                    let index = chunk.withUnsafeBytes { corral_last_index_of($0.baseAddress, length, 0x0A) }
                    guard index >= 0 else { break }
                    length = index
                    if base + lower + index == total - 1 { continue }
                    newlines += 1
                    if newlines == count { return LastLines(offset: base + lower + index + 1, limited: false) }
                }
                upper = lower
            }
            end = base
        }
        return LastLines(offset: 0, limited: false)
    }
}
