/// Linux signal names and numbers (the generic numbering of x86_64 and arm64), so that a job's
/// `kill_signal = "SIGINT"` needs no C library in the runner.
package enum SignalName {
    static let numbers: [String: Int32] = [
        "SIGHUP": 1, "SIGINT": 2, "SIGQUIT": 3, "SIGILL": 4, "SIGTRAP": 5, "SIGABRT": 6, "SIGBUS": 7,
        "SIGFPE": 8, "SIGKILL": 9, "SIGUSR1": 10, "SIGSEGV": 11, "SIGUSR2": 12, "SIGPIPE": 13, "SIGALRM": 14,
        "SIGTERM": 15, "SIGSTKFLT": 16, "SIGCHLD": 17, "SIGCONT": 18, "SIGSTOP": 19, "SIGTSTP": 20,
        "SIGTTIN": 21, "SIGTTOU": 22, "SIGURG": 23, "SIGXCPU": 24, "SIGXFSZ": 25, "SIGVTALRM": 26,
        "SIGPROF": 27, "SIGWINCH": 28, "SIGIO": 29, "SIGPWR": 30, "SIGSYS": 31,
    ]

    /// `SIGTERM`, `TERM`, `sigterm` or `15` → 15; nil for anything else (real-time signals by number only).
    package static func number(_ text: String) -> Int32? {
        if let value = Int32(text), (1...64).contains(value) { return value }
        let upper = text.uppercased()
        return numbers[upper] ?? numbers["SIG" + upper]
    }

    /// `SIGTERM` for 15; the number itself for a signal without a name here.
    package static func name(_ number: Int32) -> String {
        numbers.first { $0.value == number }?.key ?? String(number)
    }
}
