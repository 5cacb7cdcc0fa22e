# corral: build, test, benchmark, install. `make help` lists the targets.
SHELL := /bin/bash
export PATH := /opt/swift/usr/bin:$(PATH)

PREFIX ?= /usr/local
# Release binaries are fully static and non-PIE: they start as fast as a C program (no dynamic
# loader, no relocations to dirty), and the supervisor's private memory stays under 100 kB.
RELEASE_FLAGS := -c release -Xswiftc -static-executable -Xswiftc -Xclang-linker -Xswiftc -no-pie

.PHONY: help setup build debug test test-unit test-vm test-vm-ci bench bench-agent soak soak-ci install uninstall clean

help:
	@echo "make setup    install the Debian packages the build and tests need (root)"
	@echo "make build    release build: .build/release/corral, corral-supervisor, corral-init and corral-exec"
	@echo "make test     build, then run unit and integration tests (integration tests need root)"
	@echo "make test-vm  build, then run the cgroup, capability, seccomp and driver tests in a QEMU guest with pure cgroup v2 (VM_FILTER=regex)"
	@echo "make test-vm-ci  the bounded CI form: the cgroup, driver and escape suites in the guest (the agent's end-to-end suite runs on the host in make test)"
	@echo "make bench    start latency against unshare, runc and crun (root)"
	@echo "make bench-agent  one agent with 150 tasks: its memory, allocation read latency, POST->Started vs isolate (root)"
	@echo "make soak     crash storm: 200 SIGKILLs of an agent running 20 exec services and batch jobs, a full disk; checks exactly-once and leaks (root, 20-40 min)"
	@echo "make soak-ci  the same, bounded for CI: 25 SIGKILLs, about 3 minutes (root)"
	@echo "make install  install into \$$PREFIX (default /usr/local)"

setup:
	scripts/setup

build:
	swift build $(RELEASE_FLAGS)

debug:
	swift build

# Four passes, so that no test can starve another's timers (kill timeouts, restart delays): Swift's
# cooperative pool has one thread per core (2 here). The driver, runner and other unit tests run first;
# then the agent's tests (their tasks start on timers a busy pool delays by seconds); then the CLI
# integration tests, which block their thread while `corral` runs (seconds for the cgroup
# measurements); then the suites that hold a thread for seconds of CPU or disk work.
# Suites that hold one of the pool's two threads for seconds (CPU or disk bound): the job-file
# parser's, the state store's damage matrix (every page of a database truncated and flipped), and the
# removal of trees thousands of directories deep.
PARSER_TESTS := CorralJobspecTests|SQLiteStateStoreDamageTests|CorralHostFSTests|HostTaskDirBuilderTests
CLI_TESTS := CorralIntegrationTests
AGENT_TESTS := CorralAgentTests

test: debug
	swift test --disable-xctest --skip '$(CLI_TESTS)|$(PARSER_TESTS)|$(AGENT_TESTS)'
	swift test --disable-xctest --filter '$(AGENT_TESTS)'
	swift test --disable-xctest --filter $(CLI_TESTS)
	swift test --disable-xctest --filter '$(PARSER_TESTS)'

test-unit: debug
	swift test --disable-xctest --skip '$(CLI_TESTS)|$(PARSER_TESTS)|$(AGENT_TESTS)'
	swift test --disable-xctest --filter '$(AGENT_TESTS)'
	swift test --disable-xctest --filter '$(PARSER_TESTS)'

# The cgroup tests want a pure cgroup v2 host with the controllers delegated, which these machines are not:
# scripts/vm-test boots one (Debian's kernel under QEMU, the host's root read-only) and runs the test
# bundle built here inside it, as root. check-cgroup-v2 first, so a broken guest says so plainly.
VM_FILTER ?= CgroupLimitTests|CapabilityIntegrationTests|SeccompIntegrationTests|DeviceIntegrationTests|EscapeProbeTests|ExecDriver[A-Za-z]*Tests|RawExecDriverTests|DriverRecoveryTests|RunnerIntegrationTests|StartCrashTests|LogSpaceTests
# The escape suite's hostile images, the sealed helper and the allocation directories, in a guest of
# their own: together with the suites above they overran the emulated guest's per-suite time limits.
VM_SECURITY_FILTER ?= HostileImageTests|SealedHelperTests|SafeDefaultsTests|AllocDirInertTests|HostileImageFileTests|HostTaskDirBuilderTests|DefaultChrootEtcTests|LaunchHardeningIntegrationTests
# The agent end to end (through the CLI, many short `corral` processes: slow under emulation) in a guest of
# its own, so that its load cannot disturb the timing tests above.
VM_AGENT_FILTER ?= AgentCommandTests|AgentFullDiskTests|AgentExecutableTests|AgentPolicyCommandTests|AgentSecretTests|AgentStateDatabaseTests

test-vm: test-vm-ci
	scripts/vm-test -- .build/debug/corralPackageTests.xctest --testing-library swift-testing --filter '$(VM_AGENT_FILTER)'

# CI's form: the agent's end-to-end suite (about 7 minutes under emulation, nothing cgroup v2 specific in
# it that the driver suites do not cover) runs on the host in `make test` instead.
test-vm-ci:
	swift build --build-tests
	scripts/vm-test -- scripts/vm/check-cgroup-v2
	scripts/vm-test -- .build/debug/corralPackageTests.xctest --testing-library swift-testing --filter '$(VM_FILTER)'
	scripts/vm-test --timeout 900 -- .build/debug/corralPackageTests.xctest --testing-library swift-testing --filter '$(VM_SECURITY_FILTER)'

bench: build
	scripts/bench/start-latency

bench-agent: build
	scripts/bench/agent-load

# The crash storm (scripts/soak/crash-storm): SOAK_ARGS adds options (--seed N to replay a run, --keep).
SOAK_ARGS ?=
soak: build
	scripts/soak/crash-storm --kills 200 $(SOAK_ARGS)

soak-ci: build
	scripts/soak/crash-storm --kills 25 --max-seconds 150 --full-seconds 8 --settle 30 $(SOAK_ARGS)

install: build
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/libexec/corral
	install -m 0755 .build/release/corral $(DESTDIR)$(PREFIX)/bin/corral
	install -m 0755 .build/release/corral-supervisor $(DESTDIR)$(PREFIX)/libexec/corral/corral-supervisor
	install -m 0755 .build/release/corral-init $(DESTDIR)$(PREFIX)/libexec/corral/corral-init
	install -m 0755 .build/release/corral-exec $(DESTDIR)$(PREFIX)/libexec/corral/corral-exec
	install -d $(DESTDIR)$(PREFIX)/share/corral/profiles/seccomp
	install -m 0644 profiles/seccomp/*.json $(DESTDIR)$(PREFIX)/share/corral/profiles/seccomp/

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/corral $(DESTDIR)$(PREFIX)/libexec/corral/corral-supervisor \
	      $(DESTDIR)$(PREFIX)/libexec/corral/corral-init $(DESTDIR)$(PREFIX)/libexec/corral/corral-exec
	rm -rf $(DESTDIR)$(PREFIX)/share/corral/profiles
	-rmdir $(DESTDIR)$(PREFIX)/share/corral
	-rmdir $(DESTDIR)$(PREFIX)/libexec/corral

clean:
	swift package clean
