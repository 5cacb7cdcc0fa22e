import CorralSpelling

/// Why `corral isolate`'s command line was not run: help was asked for, or it is wrong (the message
/// names the option and the value).
package enum IsolateUsage: Error, Equatable, CustomStringConvertible {
    case help
    case invalid(String)

    package var description: String {
        switch self {
        case .help: IsolateHelp.text
        case .invalid(let message): message
        }
    }
}

/// Reads `corral isolate`'s command line against `IsolateOptionTable`:
/// - `--name value` and `--name=value`; a value apart may start with one dash, so `--memory -1` is
///   refused as a memory size, not taken for an unknown option, but not with two (that is the next
///   option: `--hostname --pid host` is a forgotten value, not the hostname `--pid`);
/// - the first argument that is not an option starts the command: it and everything after it are
///   the command's (`corral isolate sh -c 'echo --net'`); so does everything after `--`;
/// - `-h` or `--help` before the command asks for help; an unknown option is refused, with the
///   option it most likely meant (`--memry`: did you mean `--memory`?).
enum IsolateParser {
    static func parse(_ arguments: [String]) throws(IsolateUsage) -> Isolate {
        var options = Isolate()
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            if argument == "--" {
                options.command = Array(arguments[index...])
                break
            }
            if argument == "-h" || argument == "--help" { throw .help }
            guard argument.hasPrefix("-"), argument != "-" else {
                options.command = Array(arguments[(index - 1)...])
                break
            }
            guard argument.hasPrefix("--") else { throw .invalid("unknown option '\(argument)'") }
            let body = argument.dropFirst(2)
            let name = body.prefix { $0 != "=" }
            guard let option = IsolateOptionTable.option(named: name) else {
                let names = IsolateOptionTable.options.map(\.name) + ["help"]
                let hint = EditDistance.closest(to: String(name), among: names).map { " (did you mean '--\($0)'?)" } ?? ""
                throw .invalid("unknown option '--\(name)'\(hint)")
            }
            let inline = name.endIndex < body.endIndex ? String(body[body.index(after: name.endIndex)...]) : nil
            if option.valueName == nil {
                if inline != nil { throw .invalid("--\(name) takes no value: '\(argument)'") }
                try option.apply(&options, "")
                continue
            }
            let value: String
            if let inline {
                value = inline
            } else {
                // A value given apart may start with one dash (--memory-swap -1) but not two: that is
                // the next option, and the value was forgotten (--hostname --pid host ...).
                guard index < arguments.count, !arguments[index].hasPrefix("--") else {
                    throw .invalid("--\(name) needs a value: --\(name) <\(option.valueName!)> "
                                   + "(a value starting with -- is given as --\(name)=VALUE)")
                }
                value = arguments[index]
                index += 1
            }
            try option.apply(&options, value)
        }
        try options.validate()
        return options
    }
}
