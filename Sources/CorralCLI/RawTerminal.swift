import Dispatch
#if canImport(Glibc)
import Glibc
#endif
import CorralAPI
import Synchronization

/// The local terminal for `corral alloc exec -t`: raw mode on stdin (restored on every way out:
/// return, error, SIGTERM, SIGHUP), its size, and a stream of sizes that follows SIGWINCH.
final class RawTerminal: Sendable {
    private let saved = Mutex<termios?>(nil)
    private let sources = Mutex<[SignalSource]>([])

    /// Puts stdin in raw mode when it is a terminal; a signal that ends corral restores it first.
    func enter() {
        guard isatty(0) == 1 else { return }
        var current = termios()
        guard tcgetattr(0, &current) == 0 else { return }
        saved.withLock { $0 = current }
        cfmakeraw(&current)
        tcsetattr(0, TCSANOW, &current)
        for signal in [SIGTERM, SIGHUP, SIGQUIT, SIGINT] {
            Glibc.signal(signal, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signal, queue: .global())
            source.setEventHandler { [self] in
                restore()
                exit(128 + signal)
            }
            source.resume()
            sources.withLock { $0.append(SignalSource(source: source)) }
        }
    }

    /// Back to the mode `enter` found; safe to call more than once.
    func restore() {
        guard var mode = saved.withLock({ value -> termios? in defer { value = nil }; return value }) else { return }
        tcsetattr(0, TCSANOW, &mode)
    }

    /// The size of the terminal on stdout (or stdin), nil when neither is one.
    static func size() -> TerminalSize? {
        for fd: Int32 in [1, 0, 2] where isatty(fd) == 1 {
            var size = winsize()
            if ioctl(fd, UInt(TIOCGWINSZ), &size) == 0, size.ws_row > 0 {
                return TerminalSize(height: size.ws_row, width: size.ws_col)
            }
        }
        return nil
    }

    /// The current size, then each new one on SIGWINCH, until `finish` ends the stream.
    func sizes() -> AsyncStream<TerminalSize> {
        let (stream, continuation) = AsyncStream<TerminalSize>.makeStream()
        if let size = Self.size() { continuation.yield(size) }
        Glibc.signal(SIGWINCH, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGWINCH, queue: .global())
        source.setEventHandler {
            if let size = Self.size() { continuation.yield(size) }
        }
        source.setCancelHandler { continuation.finish() }
        source.resume()
        sources.withLock { $0.append(SignalSource(source: source)) }
        return stream
    }

    /// Stops watching signals and restores the terminal.
    func finish() {
        for held in sources.withLock({ value in defer { value = [] }; return value }) { held.source.cancel() }
        restore()
    }
}

/// A dispatch signal source held by `RawTerminal` (dispatch sources are thread-safe; the type is
/// not marked Sendable).
private struct SignalSource: @unchecked Sendable {
    let source: any DispatchSourceSignal
}
