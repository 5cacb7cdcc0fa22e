import CorralDriver
import CorralRunner

/// Relative host paths in a job file's driver config are relative to the job file, as an operator
/// reading the file expects (`seccomp_profile = "seccomp/strict.json"` next to the job): they are
/// made absolute against the job file's directory before anything runs. Interpolated paths
/// (`${...}`) and names (`default`, `unconfined`) are left alone.
package enum JobPaths {
    package static func resolve(_ job: Job, relativeTo directory: String) -> Job {
        var job = job
        for g in job.groups.indices {
            for t in job.groups[g].tasks.indices {
                job.groups[g].tasks[t].config = resolve(job.groups[g].tasks[t].config, directory: directory)
            }
        }
        return job
    }

    static func resolve(_ config: DriverConfig, directory: String) -> DriverConfig {
        var config = config
        if case .string(let path)? = config["seccomp_profile"], path != "default", path != "unconfined" {
            config["seccomp_profile"] = .string(absolute(path, directory))
        }
        if case .string(let path)? = config["image"] { config["image"] = .string(absolute(path, directory)) }
        if case .list(let mounts)? = config["mounts"] {
            config["mounts"] = .list(mounts.map { mount in
                guard case .object(var fields) = mount, fields["type"] != .string("tmpfs"),
                      case .string(let source)? = fields["source"] else { return mount }
                fields["source"] = .string(absolute(source, directory))
                return .object(fields)
            })
        }
        return config
    }

    static func absolute(_ path: String, _ directory: String) -> String {
        if path.hasPrefix("/") || path.hasPrefix("${") || path.isEmpty { return path }
        return (directory.hasSuffix("/") ? directory : directory + "/") + path
    }
}
