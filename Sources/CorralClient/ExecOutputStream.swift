/// Which of a command's output streams a chunk of `AgentClient.exec` output came from.
package enum ExecOutputStream: Sendable {
    case stdout, stderr
}
