import Foundation
import Testing

/// Nomad's forms end to end through the built binary: a job on standard input (`-`), a task written
/// in the job, quoted numbers, `memory_max = -1` enforced as no hard limit with the reservation kept,
/// and a job scaled to `count = 0`.
@Suite(.serialized, .enabled(if: Integration.enabled, Integration.comment), .timeLimit(.minutes(3)))
struct NomadFormsRunTests {
    let place = RunCommandTests.Place()

    @Test func validateReadsTheJobFromStandardInput() async throws {
        let valid = try await corralAsync(["validate", "-"], stdin: """
            job "piped" {
              type = "batch"
              task "only" {
                driver = "exec"
                config { command = "/bin/true" }
              }
            }
            """)
        #expect(valid.status == 0, "\(valid.stderr)")
        #expect(valid.stdout.contains("job \"piped\" (batch) is valid"), "\(valid.stdout)")
        let invalid = try await corralAsync(["validate", "-"], stdin: "job \"x\" {\n  group \"g\" { cunt = 1 }\n}\n")
        #expect(invalid.status == 2)
        #expect(invalid.stderr.contains("<stdin>:2:15: unknown attribute \"cunt\""), "\(invalid.stderr)")
    }

    @Test func aLoneTaskWithNoMemoryLimitRunsWithItsReservationOnly() async throws {
        defer { _ = place.leftovers() }
        let result = try await corralAsync(["run"] + place.options + ["-"], stdin: """
            job "unbounded" {
              type = "batch"
              task "probe" {
                driver = "exec"
                config {
                  command = "/bin/sh"
                  args = ["-c", "if [ -f /sys/fs/cgroup/memory.max ]; then echo limits max=$(cat /sys/fs/cgroup/memory.max) low=$(cat /sys/fs/cgroup/memory.low); else echo limits max=$(cat /sys/fs/cgroup/memory/memory.limit_in_bytes) low=$(cat /sys/fs/cgroup/memory/memory.soft_limit_in_bytes); fi"]
                }
                resources {
                  cpu = "200"
                  memory = 64
                  memory_max = -1
                }
              }
            }
            """)
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        let line = result.stdout.split(separator: "\n").first { $0.contains("limits max=") }.map(String.init) ?? ""
        #expect(line.contains("low=67108864"), "the reservation is memory: \(result.stdout)")
        let max = line.components(separatedBy: "max=").last?.split(separator: " ").first.map(String.init) ?? ""
        #expect(max == "max" || (UInt64(max) ?? 0) >= 1 << 62, "no hard limit: \(line)")
        #expect(place.leftovers().isEmpty)
    }

    @Test func aJobScaledToZeroRunsNothingAndSaysSo() async throws {
        let result = try await corralAsync(["run"] + place.options + ["-"], stdin: """
            job "idle" {
              group "g" {
                count = 0
                task "t" {
                  driver = "exec"
                  config { command = "/bin/false" }
                }
              }
            }
            """)
        #expect(result.status == 0, "\(result.stderr)")
        #expect((result.stdout + result.stderr).contains("nothing to run: every group of job idle has count = 0"))
        // Nothing was prepared for a job that runs nothing: not even the data directory.
        #expect(!FileManager.default.fileExists(atPath: place.dataDir), "\(place.dataDir) was created")
    }

    /// `cores = 1`: the task runs pinned to the one core reserved for it, and is told which; a job
    /// for another datacenter runs nothing.
    @Test func aTaskWithCoresIsPinnedToThemAndAnotherDatacenterIsRefused() async throws {
        defer { _ = place.leftovers() }
        let result = try await corralAsync(["run"] + place.options + ["-"], stdin: """
            job "pinned" {
              type = "batch"
              task "probe" {
                driver = "exec"
                config {
                  command = "/bin/sh"
                  args = ["-c", "echo cores=$NOMAD_CPU_CORES; grep Cpus_allowed_list /proc/self/status"]
                }
                resources { cores = 1 }
              }
            }
            """)
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.contains("cores=0"), "the lowest free core: \(result.stdout)")
        let allowed = result.stdout.split(separator: "\n").first { $0.contains("Cpus_allowed_list") }
        #expect(allowed?.split(separator: "\t").last.map(String.init) == "0", "pinned to core 0: \(result.stdout)")
        #expect(place.leftovers().isEmpty)

        let far = try await corralAsync(["run"] + place.options + ["-"], stdin: """
            job "far" {
              datacenters = ["us-*"]
              task "t" {
                driver = "exec"
                config { command = "/bin/true" }
              }
            }
            """)
        #expect(far.status == 125, "\(far.stderr)")
        #expect(far.stderr.contains("No nodes were eligible for evaluation"), "\(far.stderr)")
        #expect(far.stderr.contains("this node is in datacenter \"dc1\""), "\(far.stderr)")
    }
}
