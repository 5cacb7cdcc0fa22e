/// One rule of the device cgroup: which device nodes a task may open, read, write or create.
package struct DeviceRule: Equatable, Hashable, Sendable, CustomStringConvertible {
    package enum Kind: Character, Sendable, Hashable {
        case all = "a"
        case char = "c"
        case block = "b"
    }

    package var kind: Kind
    /// nil: any major (`*`).
    package var major: UInt32?
    /// nil: any minor (`*`).
    package var minor: UInt32?
    /// Some of `r` (read), `w` (write), `m` (mknod).
    package var access: String

    package init(_ kind: Kind, _ major: UInt32?, _ minor: UInt32?, _ access: String) {
        self.kind = kind
        self.major = major
        self.minor = minor
        self.access = access
    }

    /// `c 1:3 rwm`, the v1 `devices.allow` syntax.
    package var description: String {
        "\(kind.rawValue) \(major.map(String.init) ?? "*"):\(minor.map(String.init) ?? "*") \(access)"
    }

    /// What every task gets: its own `/dev` (null, zero, full, random, urandom, tty, console, ptmx and
    /// the pseudo-terminals), and, as with Docker, the right to *create* any node, which it then
    /// cannot open.
    package static let standard: [DeviceRule] = [
        DeviceRule(.char, nil, nil, "m"), DeviceRule(.block, nil, nil, "m"),
        DeviceRule(.char, 1, 3, "rwm"), DeviceRule(.char, 1, 5, "rwm"), DeviceRule(.char, 1, 7, "rwm"),
        DeviceRule(.char, 1, 8, "rwm"), DeviceRule(.char, 1, 9, "rwm"),
        DeviceRule(.char, 5, 0, "rwm"), DeviceRule(.char, 5, 1, "rwm"), DeviceRule(.char, 5, 2, "rwm"),
        DeviceRule(.char, 136, nil, "rwm"),
    ]

    /// Whether `access` is a non-empty combination of r, w, m.
    package static func isValidAccess(_ access: String) -> Bool {
        !access.isEmpty && access.count <= 3 && Set(access).count == access.count && access.allSatisfy { "rwm".contains($0) }
    }
}
