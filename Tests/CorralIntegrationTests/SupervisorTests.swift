import Foundation
import Testing

/// The supervisor outlives its caller: the task finishes, its exit and logs are recorded.
@Suite("Supervisor (root)", .enabled(if: Integration.enabled, Integration.comment), .timeLimit(.minutes(1)))
struct SupervisorTests {
    struct TaskRecord: Decodable {
        var supervisor_pid: Int32
        var task_pid: Int32
    }

    struct ExitRecord: Decodable {
        var exit_code: Int32
        var signal: Int32
        var task_pid: Int32
    }

    @Test func callerKilledTaskFinishesAndItsExitIsRecorded() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let fifo = dir + "/go"
        #expect(mkfifo(fifo, 0o600) == 0)
        let state = dir + "/state"
        let mountsBefore = hostMountTable()

        let corral = try StartedCorral(["isolate", "--state-dir", state, "--bind", "\(fifo):/go", "--",
                                        "/bin/sh", "-c", "echo ready; read line < /go; echo got $line; echo bye >&2; exit 9"])
        let process = corral.process
        _ = corral.read(until: "ready\n")
        #expect(eventually { FileManager.default.fileExists(atPath: state + "/task.json") })
        let record = try JSONDecoder().decode(TaskRecord.self, from: Data(contentsOf: URL(fileURLWithPath: state + "/task.json")))

        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal)
        #expect(!FileManager.default.fileExists(atPath: state + "/exit.json"), "the task is still running")

        // Release the task; its supervisor (now an orphan) must record the exit.
        let writer = try #require(FileHandle(forWritingAtPath: fifo))
        writer.write(Data("go\n".utf8))
        try writer.close()
        #expect(waitForExit(of: record.supervisor_pid), "the supervisor exits once the task has")

        let exit = try JSONDecoder().decode(ExitRecord.self, from: Data(contentsOf: URL(fileURLWithPath: state + "/exit.json")))
        #expect(exit.exit_code == 9 && exit.signal == 0 && exit.task_pid == record.task_pid)
        #expect(try String(contentsOfFile: state + "/stdout.log", encoding: .utf8) == "ready\ngot go\n")
        #expect(try String(contentsOfFile: state + "/stderr.log", encoding: .utf8) == "bye\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: state).sorted() == ["exit.json", "stderr.log", "stdout.log", "task.json"])
        // The supervisor reaped the task; init reaps the supervisor: no zombie remains.
        #expect(!FileManager.default.fileExists(atPath: "/proc/\(record.task_pid)"))
        #expect(eventually { !FileManager.default.fileExists(atPath: "/proc/\(record.supervisor_pid)") })
        #expect(hostMountTable() == mountsBefore)
    }

    @Test func aKilledSupervisorTakesTheTaskWithIt() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let state = dir + "/state"
        let corral = try StartedCorral(["isolate", "--state-dir", state, "--", "/bin/sh", "-c", "echo ready; exec sleep 60"])
        _ = corral.read(until: "ready\n")
        #expect(eventually { FileManager.default.fileExists(atPath: state + "/task.json") })
        let record = try JSONDecoder().decode(TaskRecord.self, from: Data(contentsOf: URL(fileURLWithPath: state + "/task.json")))
        kill(record.supervisor_pid, SIGKILL)
        corral.process.waitUntilExit()
        #expect(corral.process.terminationStatus == 125)
        #expect(waitForExit(of: record.task_pid), "the task dies with its supervisor (parent-death signal)")
        #expect(FileManager.default.fileExists(atPath: state + "/task.json"), "the state is kept")
    }

    @Test func stateDirectoryKeepsTheExitAndLogsOfANormalRun() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let state = dir + "/state"
        let result = try isolatedShell("echo out; echo err >&2; exit 4", options: ["--state-dir", state])
        #expect(result.status == 4)
        let files = try FileManager.default.contentsOfDirectory(atPath: state).sorted()
        #expect(files == ["exit.json", "stderr.log", "stdout.log", "task.json"])
        #expect(try String(contentsOfFile: state + "/stdout.log", encoding: .utf8) == "out\n")
        let exit = try JSONDecoder().decode(ExitRecord.self, from: Data(contentsOf: URL(fileURLWithPath: state + "/exit.json")))
        #expect(exit.exit_code == 4)
        // Reusing a directory that holds a task is refused.
        let again = try isolatedShell("true", options: ["--state-dir", state])
        #expect(again.status == 125 && again.stderr.contains("already holds a task"))
    }

    @Test func defaultStateDirectoryIsRemovedAfterwards() throws {
        let before = Set((try? FileManager.default.contentsOfDirectory(atPath: "/run/corral/isolate")) ?? [])
        let result = try isolatedShell("hostname")
        #expect(result.status == 0)
        let id = String(result.stdout.dropFirst("corral-".count).dropLast())
        #expect(!before.contains(id))
        #expect(!FileManager.default.fileExists(atPath: "/run/corral/isolate/\(id)"))
    }
}

/// A supervisor that is gone before the task would run means no task at all.
@Suite("Supervisor lifeline (root)", .enabled(if: Integration.enabled, Integration.comment), .timeLimit(.minutes(1)))
struct SupervisorLifelineTests {
    @Test func aTaskNeverOutlivesASupervisorThatEndsEarly() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // A stand-in "supervisor" that exits at once, without recording anything.
        let marker = dir + "/task-ran"
        let result = try bash("""
            CORRAL_SUPERVISOR=/bin/true "$0" isolate --state-dir \(dir)/state --bind \(dir):/out -- \
              /bin/sh -c 'sleep 1; touch /out/task-ran'
            """)
        #expect(result.status == 125)
        let record = try JSONDecoder().decode(SupervisorTests.TaskRecord.self,
                                              from: Data(contentsOf: URL(fileURLWithPath: dir + "/state/task.json")))
        #expect(waitForExit(of: record.task_pid, timeout: 5), "the task is gone with its supervisor")
        #expect(!FileManager.default.fileExists(atPath: marker), "the task never got to run its command")
    }
}
