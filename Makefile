# corral: build, test, benchmark, install. `make help` lists the targets.
SHELL := /bin/bash
export PATH := /opt/swift/usr/bin:$(PATH)

PREFIX ?= /usr/local
# Release binaries are fully static and non-PIE: they start as fast as a C program (no dynamic
# loader, no relocations to dirty), and the supervisor's private memory stays under 100 kB.
RELEASE_FLAGS := -c release -Xswiftc -static-executable -Xswiftc -Xclang-linker -Xswiftc -no-pie

.PHONY: help setup setup-test man completions build debug test test-unit test-vm test-vm-ci bench bench-agent soak soak-ci install uninstall clean

help:
	@echo "make setup    install the Debian packages the build and tests need (root)"
	@echo "make build    release build: .build/release/corral (lean: isolate), corral-cli (every other verb), corral-supervisor, corral-init and corral-exec"
	@echo "make test     build, then run unit and integration tests (integration tests need root)"
	@echo "make test-vm  build, then run the cgroup, capability, seccomp and driver tests in a QEMU guest with pure cgroup v2 (VM_FILTER=regex)"
	@echo "make test-vm-ci  the bounded CI form: the cgroup, driver and escape suites in the guest (the agent's end-to-end suite runs on the host in make test)"
	@echo "make bench    start latency against unshare, runc and crun (root)"
	@echo "make bench-agent  one agent with 150 tasks: its memory, allocation read latency, POST->Started vs isolate (root)"
	@echo "make soak     crash storm: 200 SIGKILLs of an agent running 20 exec services and batch jobs, a full disk; checks exactly-once and leaks (root, 20-40 min)"
	@echo "make soak-ci  the same, bounded for CI: 25 SIGKILLs, about 3 minutes (root)"
	@echo "make setup-test  also what the guest, benchmark and engine tests need (QEMU, the guest kernel, runc, crun, perf)"
	@echo "make install  install into \$$PREFIX (default /usr/local): programs (stripped), man pages, completions, the systemd unit, /etc/corral/agent.hcl"

setup:
	scripts/setup

setup-test:
	scripts/setup --test

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

# The emulated guest has hung in two CI runs, early in a test run, without a test failing: a guest that
# ends without its command's exit status is booted again (at most twice) and says so, after printing
# what its vCPUs and tasks were doing (scripts/vm-test). A test that fails is never rerun. A hang costs
# the guest's watchdog: VM_TIMEOUT, about four times what the CI guests take (80 s at most here).
VM_RETRY ?= --retry-hung 2
VM_TIMEOUT ?= --timeout 300

test-vm: test-vm-ci
	scripts/vm-test $(VM_RETRY) -- .build/debug/corralPackageTests.xctest --testing-library swift-testing --filter '$(VM_AGENT_FILTER)'

# CI's form: the agent's end-to-end suite (about 7 minutes under emulation, nothing cgroup v2 specific in
# it that the driver suites do not cover) runs on the host in `make test` instead.
test-vm-ci:
	swift build --build-tests
	scripts/vm-test $(VM_RETRY) $(VM_TIMEOUT) -- scripts/vm/check-cgroup-v2
	scripts/vm-test $(VM_RETRY) $(VM_TIMEOUT) -- .build/debug/corralPackageTests.xctest --testing-library swift-testing --filter '$(VM_FILTER)'
	scripts/vm-test $(VM_RETRY) $(VM_TIMEOUT) -- .build/debug/corralPackageTests.xctest --testing-library swift-testing --filter '$(VM_SECURITY_FILTER)'

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

# Where `make install` puts what is not a program (DESTDIR prefixes every path, for packaging).
SYSCONFDIR ?= /etc
UNITDIR ?= $(PREFIX)/lib/systemd/system
MAN_DIR := .build/man
COMPLETIONS_DIR := .build/completions

# Man pages from the CLI's own help (swift-argument-parser's generate-manual, built with the release
# flags so that the release build is not redone): a page per command, the hidden test verbs left out.
man: build
	swift build $(RELEASE_FLAGS) --product generate-manual
	rm -rf $(MAN_DIR) && mkdir -p $(MAN_DIR)
	.build/release/generate-manual .build/release/corral-cli --multi-page --section 1 --output-directory $(MAN_DIR)
	rm -f $(MAN_DIR)/corral.alloc-run.1 $(MAN_DIR)/corral.driver-start.1

# Shell completions, from the same command tree.
completions: build
	rm -rf $(COMPLETIONS_DIR) && mkdir -p $(COMPLETIONS_DIR)
	.build/release/corral-cli --generate-completion-script bash > $(COMPLETIONS_DIR)/corral.bash
	.build/release/corral-cli --generate-completion-script zsh > $(COMPLETIONS_DIR)/_corral
	.build/release/corral-cli --generate-completion-script fish > $(COMPLETIONS_DIR)/corral.fish

# Programs stripped (the release binaries carry their symbol tables); the unit with this PREFIX's
# paths; the agent's configuration only if there is none yet (an operator's is never replaced).
install: build man completions
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/libexec/corral
	install -s -m 0755 .build/release/corral $(DESTDIR)$(PREFIX)/bin/corral
	install -s -m 0755 .build/release/corral-cli $(DESTDIR)$(PREFIX)/libexec/corral/corral-cli
	install -s -m 0755 .build/release/corral-supervisor $(DESTDIR)$(PREFIX)/libexec/corral/corral-supervisor
	install -s -m 0755 .build/release/corral-init $(DESTDIR)$(PREFIX)/libexec/corral/corral-init
	install -s -m 0755 .build/release/corral-exec $(DESTDIR)$(PREFIX)/libexec/corral/corral-exec
	install -d $(DESTDIR)$(PREFIX)/share/corral/profiles/seccomp
	install -m 0644 profiles/seccomp/*.json $(DESTDIR)$(PREFIX)/share/corral/profiles/seccomp/
	install -d $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 0644 $(MAN_DIR)/*.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	install -D -m 0644 $(COMPLETIONS_DIR)/corral.bash $(DESTDIR)$(PREFIX)/share/bash-completion/completions/corral
	install -D -m 0644 $(COMPLETIONS_DIR)/_corral $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_corral
	install -D -m 0644 $(COMPLETIONS_DIR)/corral.fish $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/corral.fish
	install -d $(DESTDIR)$(PREFIX)/share/doc/corral/docs
	install -m 0644 README.md $(DESTDIR)$(PREFIX)/share/doc/corral/
	install -m 0644 docs/*.md $(DESTDIR)$(PREFIX)/share/doc/corral/docs/
	install -d $(DESTDIR)$(UNITDIR)
	sed -e 's|/usr/local|$(PREFIX)|g' -e 's|/etc/corral|$(SYSCONFDIR)/corral|g' contrib/corral.service > $(DESTDIR)$(UNITDIR)/corral.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/corral.service
	install -d -m 0755 $(DESTDIR)$(SYSCONFDIR)/corral
	test -e $(DESTDIR)$(SYSCONFDIR)/corral/agent.hcl || install -m 0644 contrib/agent.hcl $(DESTDIR)$(SYSCONFDIR)/corral/agent.hcl

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/corral $(DESTDIR)$(PREFIX)/libexec/corral/corral-cli $(DESTDIR)$(PREFIX)/libexec/corral/corral-supervisor \
	      $(DESTDIR)$(PREFIX)/libexec/corral/corral-init $(DESTDIR)$(PREFIX)/libexec/corral/corral-exec
	rm -rf $(DESTDIR)$(PREFIX)/share/corral/profiles $(DESTDIR)$(PREFIX)/share/doc/corral
	rm -f $(DESTDIR)$(PREFIX)/share/man/man1/corral.*1 $(DESTDIR)$(PREFIX)/share/bash-completion/completions/corral \
	      $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_corral $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/corral.fish \
	      $(DESTDIR)$(UNITDIR)/corral.service
	-rmdir $(DESTDIR)$(PREFIX)/share/corral
	-rmdir $(DESTDIR)$(PREFIX)/libexec/corral
	@echo "uninstall: $(DESTDIR)$(SYSCONFDIR)/corral (the agent's configuration) is left in place"

clean:
	swift package clean
