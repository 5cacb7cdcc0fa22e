/* corral-cgroup-release DIR...: the supervisor's cgroup release (Sources/CCgroupFinish) as a program of
 * its own, for the test suite that holds it and the Swift side (TaskCgroup.destroy) to the same
 * cases (Tests/CorralIntegrationTests/CgroupReleaseTests.swift). Not a product. Exits 0 when every
 * directory is gone, 1 otherwise. A process of its own, so that the release's reaping of orphans
 * (waitpid(-1)) never takes a test process's children. */
#include "cgroup_finish.h"

int main(int argc, char **argv) {
    return cgroup_release(argv + 1, argc - 1) == 0 ? 0 : 1;
}
