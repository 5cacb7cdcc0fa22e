import CorralResourceTypes

/// A task's resource usage (Nomad's `TaskResourceUsage`: memory and CPU stats with a timestamp).
package typealias TaskResourceUsage = ResourceUsage
