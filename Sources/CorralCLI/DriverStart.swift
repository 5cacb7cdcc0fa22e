import ArgumentParser
import CorralIsolateCLI
import CorralDriver
import CorralExecDriver
import Foundation

/// `corral driver-start`: starts one task through a driver, from a `TaskConfig` in JSON on stdin;
/// prints its `TaskHandle` as one JSON line as soon as it runs, then waits, removes what the driver
/// kept for the task (not its logs) and prints its `ExitResult` as JSON. For operators debugging a driver, and for the recovery tests (which kill
/// this process and recover the handle elsewhere). Hidden: the job commands are the real interface.
struct DriverStart: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "driver-start",
        abstract: "Start a task through a driver from a TaskConfig (JSON on stdin); print its handle, then its exit.",
        shouldDisplay: false)

    @Option(help: "exec, raw_exec or mock.")
    var driver: String = "exec"

    @Option(help: ArgumentHelp("Where task state directories go.", valueName: "dir"))
    var stateRoot: String = "/run/corral/tasks"

    @Option(name: .customLong("cgroup-parent"), help: ArgumentHelp("The cgroup task cgroups go under.", valueName: "path"))
    var cgroupParent: String = "corral"

    func run() throws {
        let input = FileHandle.standardInput.readDataToEndOfFile()
        let config: TaskConfig
        do { config = try JSONDecoder().decode(TaskConfig.self, from: input) } catch {
            throw ValidationError("stdin is not a TaskConfig in JSON: \(error)")
        }
        let options = DriverOptions(stateRoot: stateRoot, cgroupParent: cgroupParent)
        // The same table as corral run, alloc-run and the agent.
        let drivers = RunSession.drivers(options)
        guard let chosen = drivers[driver] else {
            throw ValidationError("--driver \"\(driver)\": expected one of \(drivers.keys.sorted().joined(separator: ", "))")
        }
        let outcome = OneShot<Result<ExitResult, DriverError>>()
        Task {
            do throws(DriverError) {
                let handle = try await chosen.start(config)
                Self.printJSON(handle)
                let result = try await chosen.wait(handle.id)
                // The task is over: its state directory and cgroup go (its logs stay).
                try await chosen.destroy(handle.id, force: false)
                outcome.resolve(.success(result))
            } catch {
                outcome.resolve(.failure(error))
            }
        }
        // The main thread has nothing else to do: block it until the task ends.
        let done = DispatchSemaphore(value: 0)
        Task {
            _ = await outcome.value()
            done.signal()
        }
        done.wait()
        switch outcome.current! {
        case .success(let result):
            Self.printJSON(result)
            throw ExitCode(result.signal != 0 ? 128 + result.signal : result.exitCode)
        case .failure(let error):
            printError(error.description)
            throw ExitCode(125)
        }
    }

    static func printJSON(_ value: some Encodable) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(value) else { return }
        FileHandle.standardOutput.write(data + Data("\n".utf8))
    }
}
