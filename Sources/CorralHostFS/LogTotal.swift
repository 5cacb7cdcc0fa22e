#if canImport(Glibc)
import Glibc
#endif

/// The size of a log over its files, refused when it cannot be a real log: a task can make a sparse
/// file of almost 2^63 bytes, and two of them would overflow a plain sum (a trap in Swift).
package enum LogTotal {
    package static func of(_ sizes: [Int], path: String) throws(HostFSError) -> Int {
        var total = 0
        for size in sizes {
            let (sum, overflow) = total.addingReportingOverflow(size)
            guard !overflow, size >= 0 else {
                throw HostFSError(operation: "measure the log", path: path, errno: EFBIG,
                                  reason: "its files together are larger than any log can be (sparse files planted by the task?)")
            }
            total = sum
        }
        return total
    }
}
