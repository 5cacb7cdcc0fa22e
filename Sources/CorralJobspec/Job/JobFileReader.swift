#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a job file (or the agent's configuration file) as UTF-8 text; problems are diagnostics
/// naming the file (and, for bad UTF-8, the line and column of the first bad byte).
package enum JobFileReader {
    /// Job files are small; a larger file is refused rather than read whole.
    static let maximumSize = 16 << 20

    /// The path that means standard input (`corral run -`, as `nomad job run -`).
    package static let standardInput = "-"

    /// How a path is named in messages: `<stdin>` for standard input.
    package static func displayName(_ path: String) -> String { path == standardInput ? "<stdin>" : path }

    /// The file's text. `what` names the file in messages: `cannot open the job file: No such file
    /// or directory` (line 0: no position).
    package static func text(_ path: String, what: String = "job file") throws(JobspecError) -> String {
        let bytes = try readBytes(path, what: what)
        let path = displayName(path)
        if let text = String(validating: bytes, as: UTF8.self) { return text }
        let (position, byte) = firstInvalidByte(bytes)
        let prefix = String(decoding: bytes[..<position.offset], as: UTF8.self)
        let lineStart = prefix.utf8.lastIndex(of: UInt8(ascii: "\n")).map { prefix.utf8.index(after: $0) } ?? prefix.startIndex
        throw JobspecError([JobspecDiagnostic(
            file: path, position: position,
            message: "the file is not UTF-8 text (byte 0x\(String(byte, radix: 16, uppercase: true)))",
            sourceLine: String(prefix[lineStart...]))])
    }

    static func readBytes(_ path: String, what: String) throws(JobspecError) -> [UInt8] {
        let fromStdin = path == standardInput
        let fd = fromStdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC)
        let path = displayName(path)
        guard fd >= 0 else { throw failure(path, "cannot open the \(what): \(errorText(errno))") }
        defer { if !fromStdin { close(fd) } }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw failure(path, "cannot read the \(what): \(errorText(errno))")
            }
            if count == 0 { return bytes }
            bytes += chunk[..<count]
            if bytes.count > maximumSize {
                throw failure(path, "the \(what) is larger than \(maximumSize >> 20) MiB")
            }
        }
    }

    /// A problem with no position in the file (`path: message`).
    static func failure(_ path: String, _ message: String) -> JobspecError {
        JobspecError([JobspecDiagnostic(file: path, position: SourcePosition(line: 0, column: 0, offset: 0), message: message)])
    }

    static func errorText(_ code: Int32) -> String {
        guard let text = strerror(code) else { return "error \(code)" }
        return String(cString: text)
    }

    /// The position and value of the first byte that does not belong to valid UTF-8.
    static func firstInvalidByte(_ bytes: [UInt8]) -> (SourcePosition, UInt8) {
        var index = 0, line = 1, column = 1
        while index < bytes.count {
            let byte = bytes[index]
            let length: Int, minimum: UInt32
            switch byte {
            case 0x00...0x7F: length = 1; minimum = 0
            case 0xC2...0xDF: length = 2; minimum = 0x80
            case 0xE0...0xEF: length = 3; minimum = 0x800
            case 0xF0...0xF4: length = 4; minimum = 0x10000
            default: return (SourcePosition(line: line, column: column, offset: index), byte)
            }
            guard index + length <= bytes.count else { return (SourcePosition(line: line, column: column, offset: index), byte) }
            var scalar = UInt32(byte) & (length == 1 ? 0x7F : UInt32(0xFF) >> (length + 1))
            for next in bytes[(index + 1)..<(index + length)] {
                guard next & 0xC0 == 0x80 else { return (SourcePosition(line: line, column: column, offset: index), byte) }
                scalar = scalar << 6 | UInt32(next & 0x3F)
            }
            if scalar < minimum || scalar > 0x10FFFF || (0xD800...0xDFFF).contains(scalar) {
                return (SourcePosition(line: line, column: column, offset: index), byte)
            }
            if byte == UInt8(ascii: "\n") { line += 1; column = 1 } else { column += 1 }
            index += length
        }
        return (SourcePosition(line: line, column: column, offset: index), 0)
    }
}
