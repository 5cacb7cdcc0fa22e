import ArgumentParser
import CorralRunner

/// A signal given on the command line (`alloc signal -s`, `kill`), checked before anything is sent:
/// an unknown one is a usage error (exit status 2) that says how to write one.
enum SignalArgument {
    /// The signal's number (`SignalName`: `SIGTERM`, `TERM`, `term` or `15`).
    static func number(_ text: String, given what: String) throws(ValidationError) -> Int32 {
        guard let number = SignalName.number(text) else {
            throw ValidationError("\(what) \"\(text)\": unknown signal; \(howToWrite)")
        }
        return number
    }

    /// `give a name (SIGTERM, TERM or term) or a number from 1 to 64; the names: HUP INT ...`.
    static var howToWrite: String {
        let names = (1...31).map { SignalName.name(Int32($0)) }.filter { $0.hasPrefix("SIG") }.map { $0.dropFirst(3) }
        return "give a name (SIGTERM, TERM or term) or a number from 1 to 64; the names: " + names.joined(separator: " ")
    }
}
