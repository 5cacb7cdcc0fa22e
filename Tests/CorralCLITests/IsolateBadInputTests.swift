import CorralIsolation
import Testing
@testable import CorralCLI
@testable import CorralIsolateCLI

/// Every numeric option of `corral isolate` against whole classes of bad values: negative numbers
/// (taken as the value, not as an unknown flag), zero where it means nothing, NaN and infinities,
/// numbers beyond any range and beyond 64 bits, and ids that would wrap to root. Each is refused
/// with a message naming the option and the value, as a usage error (exit 2); none crashes.
@Suite("corral isolate bad numeric input")
struct IsolateBadInputTests {
    static let beyond64Bits = ["99999999999999999999", "18446744073709551616", "-99999999999999999999"]
    static let notNumbers = ["nan", "NaN", "inf", "-inf", "infinity", "", " ", "0x10", "1e", "-"]

    /// Bad values of each option (besides `beyond64Bits` and `notNumbers`, tried on all).
    static let cases: [(option: String, values: [String], prefix: [String])] = [
        ("--memory", ["-1", "0", "-5m", "1e308", "2000t", "18446744073709551615", "1p", "5m"], []),
        ("--memory-reservation", ["-1", "0", "-5m", "1e308", "2000t", "18446744073709551615"], []),
        ("--memory-swap", ["-2", "0.5", "-5m", "2000t", "18446744073709551615", "32m"], ["--memory", "64m"]),
        ("--cpu-shares", ["-1", "0", "1", "262145", "1e3", "4294967296"], []),
        ("--cpus", ["-1", "0", "0.001", "1e308", "1e-300", "8193", "1e19", "-0", "0x1p1023"], []),
        ("--pids", ["-1", "4194305", "9223372036854775807", "1e3", "-9223372036854775808"], []),
        ("--cpuset", ["-1", "0-99999999999999999999", "1-0", "65536", "a", "0,", "0--1"], []),
        ("--log-max-size", ["-1", "0", "2000t", "-5m"], []),
        ("--log-max-files", ["-1", "0", "1001", "9223372036854775807"], []),
        ("--rlimit", ["nofile=-5", "nofile=99999999999999999999", "nofile=nan", "nofile=10:5", "nofile=1:-2", "-1"], []),
        ("--tmpfs", ["/x:-1", "/x:size=-1", "/x:mode=-1", "/x:mode=99999", "/x:size=99999999999999999999",
                     "/x:size=2000t", "/x:nan", "/x:size=0", "-1"], []),
        ("--user", ["4294967295", "4294967296", "2147483648", "-1", "0:4294967295", "0:-1", "+4294967295", "-0:0"], []),
        ("--device", ["/dev/null:/dev/x:rwx", "/dev/null:/dev/x:-1", "/dev/null:/dev/x:99", "-1"], []),
    ]

    /// Why `arguments` are refused (the message a user sees, and the exit status), or nil if accepted.
    func refusal(_ arguments: [String]) -> (message: String, status: Int32)? {
        let isolate: Isolate
        do {
            isolate = try Isolate.parse(["--seccomp", "unconfined"] + arguments + ["--", "true"])
        } catch {
            return (error.description, error == .help ? 0 : 2)
        }
        // What the run checks before it creates anything: the plan (users, devices, mounts) and the limits.
        do {
            let spec = try isolate.spec(id: "t", terminal: false, term: nil)
            _ = try LaunchPlanBuilder().build(spec, rootMountpoint: "/nonexistent")
            _ = try isolate.cgroupLimits()
        } catch {
            return (error.description, error.exitStatus)
        }
        return nil
    }

    @Test(arguments: cases.map(\.option))
    func everyBadValueIsRefusedNamingOptionAndValue(option: String) {
        let entry = Self.cases.first { $0.option == option }!
        // A user or a device path may be any name: the classes of non-numbers are names there.
        let names = option == "--user" || option == "--device" ? [] : Self.notNumbers
        for value in entry.values + Self.beyond64Bits + names {
            guard let (message, status) = refusal(entry.prefix + [option, value]) else {
                Issue.record("\(option) \(value) was accepted")
                continue
            }
            #expect(status == 2, "\(option) \(value): exit \(status): \(message)")
            #expect(message.contains(option), "\(option) \(value): \(message)")
            #expect(value.trimmingCharacters(in: .whitespaces).isEmpty || message.contains(value),
                    "\(option) \(value): \(message)")
            #expect(!message.contains("Missing value"), "\(option) \(value): \(message)")
        }
    }

    @Test func aNegativeValueIsTakenAsTheValue() {
        #expect(refusal(["--memory", "-1"])?.message == "--memory \"-1\": expected a size like 64m or 1g")
        #expect(refusal(["--cpus", "1e308"])?.message == "--cpus \"1e308\": expected at most 8192")
        #expect(refusal(["--user", "4294967295"])?.message
            == "--user \"4294967295\": the user id 4294967295 is out of range: expected 0 to 2147483647")
    }

    @Test(arguments: [["--memory", "64m", "--memory-swap", "-1"], ["--cpus", "8192"], ["--pids", "4194304"],
                      ["--user", "2147483647"], ["--cpuset", "0"], ["--memory", "1t"], ["--log-max-files", "1000"]])
    func valuesAtTheEdgeOfTheRangesAreAccepted(arguments: [String]) {
        #expect(refusal(arguments) == nil, "\(arguments)")
    }

    @Test(arguments: [["--cpus", "1e308"], ["--memory", "-1"], ["--user", "4294967295"], ["--pids", "-1"],
                      ["--cpuset", "0-99999999999999999999"], ["--log-max-files", "-1"]])
    func theCommandExitsTwoBeforeAnythingStarts(arguments: [String]) {
        #expect(CorralMain.run(["isolate", "--state-dir", "/nonexistent/corral-bad-input"] + arguments
                               + ["--", "/bin/sh", "-c", "exit 99"]) == 2)
    }
}
