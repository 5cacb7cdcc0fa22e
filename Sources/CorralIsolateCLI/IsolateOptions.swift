import CorralCgroups
import CorralIsolation
import CorralResourceTypes

/// `SRC:DST[:ro|rw]`.
extension BindMount {
    package init?(argument: String) {
        let parts = argument.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 2 || parts.count == 3, !parts[0].isEmpty, !parts[1].isEmpty else { return nil }
        var readOnly = false
        if parts.count == 3 {
            switch parts[2] {
            case "ro": readOnly = true
            case "rw": readOnly = false
            default: return nil
            }
        }
        self.init(source: parts[0], destination: parts[1], readOnly: readOnly)
    }
}

/// `DST[:SIZE]` (SIZE in bytes or with a k, m, g suffix), or `DST:size=SIZE,mode=OCTAL` (either or both).
extension TmpfsMount {
    package init?(argument: String) {
        let parts = argument.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        guard !parts[0].isEmpty else { return nil }
        var size: UInt64?
        var mode: UInt32 = 0o1777
        if parts.count == 2 {
            if !parts[1].contains("=") {
                guard let parsed = parseByteSize(parts[1]) else { return nil }
                size = parsed
            } else {
                for option in parts[1].split(separator: ",", omittingEmptySubsequences: false) {
                    let pair = option.split(separator: "=", maxSplits: 1).map(String.init)
                    guard pair.count == 2 else { return nil }
                    switch pair[0] {
                    case "size":
                        guard let parsed = parseByteSize(pair[1]) else { return nil }
                        size = parsed
                    case "mode":
                        guard let parsed = UInt32(pair[1], radix: 8), parsed <= 0o7777 else { return nil }
                        mode = parsed
                    default:
                        return nil
                    }
                }
            }
        }
        self.init(destination: parts[0], sizeBytes: size, mode: mode)
    }
}

/// Parses `512`, `64k`, `64m`, `1g` (binary units, case-insensitive, optional trailing `b`), at most 1 PiB.
package func parseByteSize(_ text: String) -> UInt64? {
    ByteCount.parse(text).flatMap { $0 <= Isolate.maximumMemory ? $0 : nil }
}
