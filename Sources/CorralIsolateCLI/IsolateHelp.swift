/// `corral isolate --help`, made from `IsolateOptionTable`, laid out as the rest of corral's help
/// (ArgumentParser's): 80 columns, option names in a 26-column margin.
enum IsolateHelp {
    static let usage = "corral isolate [<options>] [--] <command> ..."

    static let text: String = {
        var lines = wrap(Isolate.abstract, indent: 0, first: "OVERVIEW:") + [""]
        lines += wrap(Isolate.discussion, indent: 0, first: "") + [""]
        lines += ["USAGE: " + usage, "", "ARGUMENTS:"]
        lines += entry("<command>", "The command and its arguments.")
        lines += ["", "OPTIONS:"]
        for option in IsolateOptionTable.options {
            let name = "--" + option.name + (option.valueName.map { " <\($0)>" } ?? "")
            lines += entry(name, option.help)
        }
        lines += entry("-h, --help", "Show help information.")
        return lines.joined(separator: "\n") + "\n"
    }()

    /// The same for a manual page, which lays out its own lines: the discussion, then one paragraph per
    /// option (`corral-cli`'s isolate entry gives it to the manual generator).
    static let manual: String = {
        var paragraphs = [Isolate.discussion, "Usage: " + usage]
        for option in IsolateOptionTable.options {
            paragraphs.append("--" + option.name + (option.valueName.map { " <\($0)>" } ?? "") + ": " + option.help)
        }
        return paragraphs.joined(separator: "\n\n")
    }()

    /// A usage error as the user sees it: the message, then how to get help.
    static func failure(_ message: String) -> String {
        "Error: \(message)\nUsage: \(usage)\n  See 'corral isolate --help' for more information."
    }

    static func entry(_ name: String, _ help: String) -> [String] {
        let margin = 26
        let label = "  " + name
        if label.count + 2 <= margin {
            let first = label + String(repeating: " ", count: margin - label.count)
            return wrap(help, indent: margin, first: first)
        }
        return [label] + wrap(help, indent: margin, first: String(repeating: " ", count: margin))
    }

    /// `text` in lines of at most 80 columns: the first starts with `first`, the rest with `indent` spaces.
    static func wrap(_ text: String, indent: Int, first: String) -> [String] {
        var lines: [String] = []
        var line = first
        var empty = first.isEmpty || first.hasSuffix(" ")
        for word in text.split(separator: " ") {
            if !empty && line.count + 1 + word.count > 80 {
                lines.append(line)
                line = String(repeating: " ", count: indent)
                empty = true
            }
            line += (empty ? "" : " ") + word
            empty = false
        }
        lines.append(line)
        return lines
    }
}
