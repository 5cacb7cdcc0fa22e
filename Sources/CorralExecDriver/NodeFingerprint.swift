import CorralCgroups
import CorralDriver
import CorralIsolation
import Foundation

/// The node attributes drivers report (Nomad's fingerprinters): kernel, CPU, memory, cgroups.
enum NodeFingerprint {
    static func attributes() -> [String: String] {
        var attributes: [String: String] = [:]
        var info = utsname()
        uname(&info)
        func text<T>(_ field: T) -> String {
            withUnsafeBytes(of: field) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        }
        attributes["kernel.name"] = text(info.sysname).lowercased()
        attributes["kernel.version"] = text(info.release)
        attributes["kernel.arch"] = text(info.machine)
        attributes["unique.hostname"] = text(info.nodename)
        // Go's names, as Nomad reports them (`${attr.cpu.arch} = amd64`).
        let machine = text(info.machine)
        attributes["cpu.arch"] = ["x86_64": "amd64", "aarch64": "arm64", "i686": "386", "armv7l": "arm"][machine] ?? machine
        for (key, value) in osRelease() { attributes[key] = value }
        let cores = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        let mhz = cpuMegahertz()
        attributes["cpu.numcores"] = String(cores)
        // The CPUs a task may be pinned to: the online ones (`cores`), in the kernel's list form.
        if let online = LiveHost().readTextFile(atPath: "/sys/devices/system/cpu/online")?
            .trimmingCharacters(in: .whitespacesAndNewlines), let count = cpuListCount(online) {
            attributes["cpu.reservablecores"] = String(count)
            attributes["cpu.reservablecorelist"] = online
        }
        attributes["cpu.frequency"] = String(Int(mhz.rounded()))
        attributes["cpu.totalcompute"] = String(Int((mhz * Double(cores)).rounded()))
        if let memory = totalMemoryBytes() { attributes["memory.totalbytes"] = String(memory) }
        let topology = CgroupTopology.discover()
        attributes["os.cgroups.version"] = topology.version.map { $0 == .v2 ? "2" : "1" } ?? "none"
        for controller in ["cpu", "cpuacct", "cpuset", "memory", "pids", "devices", "freezer"] {
            attributes["os.cgroups.\(controller)"] = topology.v1Mounts[controller] != nil ? "v1"
                : topology.unifiedControllers.contains(controller) ? "v2" : "missing"
        }
        attributes["os.seccomp"] = FileManager.default.fileExists(atPath: "/proc/sys/kernel/seccomp/actions_avail")
            ? "true" : "false"
        return attributes
    }

    /// MHz of one CPU: `cpu MHz` from /proc/cpuinfo (the first), else the CPU's rated maximum from
    /// cpufreq, else 1000 (a virtual machine may say neither; Nomad then asks the operator).
    static func cpuMegahertz() -> Double {
        if let text = LiveHost().readTextFile(atPath: "/proc/cpuinfo") {
            for line in text.split(separator: "\n") where line.hasPrefix("cpu MHz") {
                if let value = line.split(separator: ":").last.flatMap({ Double($0.trimmingCharacters(in: .whitespaces)) }),
                   value > 0 { return value }
            }
        }
        if let text = try? String(contentsOfFile: "/sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq", encoding: .utf8),
           let khz = Double(text.trimmingCharacters(in: .whitespacesAndNewlines)), khz > 0 {
            return khz / 1000
        }
        return 1000
    }

    /// How many CPUs a kernel list (`0-3,5`) names; nil when it is not one.
    static func cpuListCount(_ text: String) -> Int? {
        var count = 0
        for part in text.split(separator: ",") {
            let bounds = part.split(separator: "-", omittingEmptySubsequences: false)
            guard (1...2).contains(bounds.count), let low = Int(bounds[0]), let high = Int(bounds[bounds.count - 1]),
                  low >= 0, high >= low, high < 65536 else { return nil }
            count += high - low + 1
        }
        return count > 0 ? count : nil
    }

    /// `os.name` and `os.version` from /etc/os-release (`ID`, `VERSION_ID`: `debian`, `12`).
    static func osRelease() -> [String: String] {
        guard let text = LiveHost().readTextFile(atPath: "/etc/os-release") else { return [:] }
        var found: [String: String] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: "=", maxSplits: 1)
            guard parts.count == 2 else { continue }
            let value = parts[1].trimmingCharacters(in: CharacterSet(charactersIn: "\"' "))
            if parts[0] == "ID" { found["os.name"] = value }
            if parts[0] == "VERSION_ID" { found["os.version"] = value }
        }
        return found
    }

    static func totalMemoryBytes() -> UInt64? {
        guard let text = LiveHost().readTextFile(atPath: "/proc/meminfo") else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("MemTotal:") {
            let fields = line.split(separator: " ")
            if fields.count >= 2, let kib = UInt64(fields[1]) { return kib * 1024 }
        }
        return nil
    }
}
