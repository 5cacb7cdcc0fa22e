#if canImport(Glibc)
import Glibc
#endif

/// What one job file's evaluation may cost, shared by every evaluator of the parse (variables' defaults,
/// variable files, `-var` values, locals, the body): steps, the values and bytes it makes, and time. A job
/// sent to the agent is attacker-controlled; no part of it gets a fresh allowance.
final class HCLBudget {
    /// Steps and elements made, together.
    static let maximumUnits = 4_000_000
    /// Bytes of strings made.
    static let maximumBytes = 64 << 20
    /// Wall time for the whole evaluation.
    static let maximumSeconds = 5.0

    private var left = maximumUnits
    private var bytesLeft = maximumBytes
    private let deadline: Double
    private var checks = 0

    init() {
        deadline = Self.now() + Self.maximumSeconds
    }

    /// Takes `units`; throws when the allowance or the time is spent.
    func spend(_ units: Int, at position: SourcePosition) throws(HCLEvalError) {
        left -= max(units, 0)
        if left < 0 {
            throw .failed("the job file's expressions take too much to evaluate (more than \(Self.maximumUnits) steps "
                + "and values made)", at: position)
        }
        checks += 1
        if checks & 1023 == 0 && Self.now() > deadline {
            throw .failed("the job file's expressions take more than \(Int(Self.maximumSeconds)) s to evaluate", at: position)
        }
    }

    /// Takes `bytes` of strings about to be made; throws when the allowance is spent.
    func spendBytes(_ bytes: Int, at position: SourcePosition) throws(HCLEvalError) {
        bytesLeft -= max(bytes, 0)
        if bytesLeft < 0 {
            throw .failed("the job file's expressions make more than \(Self.maximumBytes >> 20) MiB of strings", at: position)
        }
    }

    /// What a value costs to make: its elements, and its strings' bytes, walked no further than
    /// the allowance left (a value made of shared parts can be far larger than what built it).
    func charge(_ value: HCLValue, at position: SourcePosition) throws(HCLEvalError) {
        var pending = [value]
        var units = 0, bytes = 0
        while let next = pending.popLast() {
            units += 1
            switch next {
            case .string(let text): bytes += text.utf8.count
            case .list(let elements): pending += elements
            case .object(let members): pending += members.values
            default: break
            }
            if units > 4096 || units > left || bytes > bytesLeft {
                try spend(units, at: position)
                try spendBytes(bytes, at: position)
                (units, bytes) = (0, 0)
            }
        }
        try spend(units, at: position)
        try spendBytes(bytes, at: position)
    }

    private static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
}
