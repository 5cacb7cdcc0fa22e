/// The lines of a colon-separated file such as `/etc/passwd` or `/etc/group`, each cut into its fields.
/// Blank and `#` comment lines are skipped; empty fields are kept (they are positional).
///
/// Cut on bytes, not Characters: these files are read at every start of a task with a default chroot,
/// and splitting a String by Character (grapheme breaking) cost about ten times more there. `\n` and
/// `:` are ASCII, so a byte split never cuts a multi-byte character.
enum ColonSeparatedLines {
    static func parse(_ text: String) -> [[String]] {
        text.utf8.split(separator: UInt8(ascii: "\n")).compactMap { line in
            guard line.first != UInt8(ascii: "#") else { return nil }
            return line.split(separator: UInt8(ascii: ":"), omittingEmptySubsequences: false)
                .map { String(decoding: $0, as: UTF8.self) }
        }
    }
}
