import CorralCgroups

/// A task's resource usage (Nomad's `TaskResourceUsage`: memory and CPU stats with a timestamp).
public typealias TaskResourceUsage = ResourceUsage
