import ArgumentParser
import CorralClient
import Foundation

/// `corral alloc logs [-f] [-stderr] [-tail [-n N]] ID [TASK]`: copies a task's log to stdout as it arrives.
struct AllocLogs: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logs", abstract: "Print a task's stdout (or stderr) log, optionally following it.")

    @OptionGroup var agent: AgentOptions

    @Flag(name: [.customShort("f"), .customLong("follow")], help: "Keep printing as the task writes, until it is dead.")
    var follow = false

    @Flag(name: [.customLong("stderr"), .customLong("stderr", withSingleDash: true)], help: "Print stderr instead of stdout.")
    var stderr = false

    @Flag(name: [.customLong("tail"), .customLong("tail", withSingleDash: true)], help: "Start near the end of the log (see -n).")
    var tail = false

    @Option(name: .customShort("n"), help: ArgumentHelp("With -tail: how many lines from the end (default 10).", valueName: "lines"))
    var lines: Int?

    @Argument(help: ArgumentHelp("The allocation's id or a unique prefix of it.", valueName: "alloc"))
    var alloc: String

    @Argument(help: ArgumentHelp("The task (needed when the allocation has several).", valueName: "task"))
    var task: String?

    func validate() throws {
        if let lines, lines < 0 { throw ValidationError("-n must be 0 or more") }
    }

    func run() throws {
        let client = try agent.client()
        let (alloc, task, follow, type) = (self.alloc, self.task, self.follow, stderr ? "stderr" : "stdout")
        let tailLines: Int? = tail || lines != nil ? (lines ?? 10) : nil
        try AgentCall.run {
            let (origin, offset) = tailLines.map { ("end", LogTail.byteGuess(lines: $0)) } ?? ("start", 0)
            let body = try await client.logs(alloc: alloc, task: task, type: type, origin: origin, offset: offset,
                                             follow: follow)
            var trimmed = tailLines == nil
            var pending: [UInt8] = []
            do {
                for try await chunk in body {
                    if trimmed {
                        // Whoever reads our output has gone (`| head`): so do we.
                        guard Output.write(chunk) else { return }
                    } else if follow {
                        // Following, the first chunk stands for the log's existing end.
                        guard Output.write(LogTail.lastLines(chunk, count: tailLines ?? 0)) else { return }
                        trimmed = true
                    } else {
                        pending += chunk
                    }
                }
            } catch let error as AgentClientError {
                throw error
            } catch {
                throw AgentClientError.protocolError("\(error)")
            }
            if !trimmed { Output.write(LogTail.lastLines(pending, count: tailLines ?? 0)) }
        }
    }
}

/// `-tail`: the log's end is asked for as a byte offset from the end (a guess from the line count),
/// then cut to the lines wanted.
enum LogTail {
    /// 512 bytes a line, at least 8 KiB.
    static func byteGuess(lines: Int) -> Int { max(8192, lines.multipliedReportingOverflow(by: 512).partialValue) }

    /// The last `count` lines of `bytes` (a last line without a newline counts as one).
    static func lastLines(_ bytes: [UInt8], count: Int) -> [UInt8] {
        guard count > 0 else { return [] }
        var end = bytes.count
        if end > 0, bytes[end - 1] == UInt8(ascii: "\n") { end -= 1 }
        var seen = 0
        var index = end
        while index > 0 {
            if bytes[index - 1] == UInt8(ascii: "\n") {
                seen += 1
                if seen == count { return Array(bytes[index...]) }
            }
            index -= 1
        }
        return bytes
    }
}
