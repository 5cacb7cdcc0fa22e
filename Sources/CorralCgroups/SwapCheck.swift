/// Whether a memory limit without swap accounting leaves a task free to swap.
enum SwapCheck {
    /// `/proc/swaps` lists at least one active swap area.
    static func hostHasSwap(_ fs: any CgroupFileSystem) -> Bool {
        ((try? fs.read("/proc/swaps")) ?? "").split(separator: "\n").count > 1
    }

    static func warning(_ missingFile: String) -> String {
        "the host has swap but no swap accounting (\(missingFile) does not exist): the task may use swap "
            + "beyond its memory limit (boot with swapaccount=1 to enforce it)"
    }
}
