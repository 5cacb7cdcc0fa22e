import Testing
@testable import CorralIsolation

@Suite struct CapabilityTests {
    let host = FakeHost.debian()

    func resolve(add: [String] = [], drop: [String] = []) throws -> (set: CapabilitySet, added: CapabilitySet, warnings: [String]) {
        try CapabilityRequest(add: add, drop: drop).resolve(bounding: host.capabilityBoundingSet, last: host.lastCapability)
    }

    @Test(arguments: ["chown", "CHOWN", "cap_chown", "CAP_CHOWN", "Cap_Chown"])
    func namesAreCaseInsensitiveWithOrWithoutThePrefix(name: String) {
        #expect(CapabilityNames.number(name) == 0)
    }

    @Test func namesRoundTrip() {
        #expect(CapabilityNames.name(12) == "net_admin")
        #expect(CapabilityNames.number("net_admin") == 12)
        #expect(CapabilityNames.number("sys_admin") == 21)
        #expect(CapabilityNames.number("no_such_cap") == nil)
    }

    @Test func theDefaultIsDockersFourteen() throws {
        let (set, added, warnings) = try resolve()
        #expect(set.mask == 0xA804_25FB && added.mask == 0)
        #expect(set.members.count == 14)
        #expect(warnings.isEmpty)
    }

    @Test func addsAndDropsAdjustTheDefault() throws {
        let (set, added, _) = try resolve(add: ["net_admin"], drop: ["CAP_CHOWN"])
        #expect(set.mask == (0xA804_25FB | 1 << 12) & ~1)
        #expect(set.contains(12) && !set.contains(0))
        #expect(added.mask == 1 << 12)
    }

    @Test func anAddWinsOverADropOfTheSameCapabilityAsInDocker() throws {
        #expect(try resolve(add: ["chown"], drop: ["chown"]).set.contains(0))
    }

    @Test func allWorksInBothDirectionsAsInDocker() throws {
        #expect(try resolve(drop: ["all"]).set.mask == 0)
        #expect(try resolve(add: ["net_bind_service"], drop: ["ALL"]).set.mask == 1 << 10)
        // Everything corral has (this host's bounding set lacks sys_resource), minus what is dropped.
        let everything = try resolve(add: ["all"], drop: ["sys_admin"]).set
        #expect(everything.mask == 0x1_FFFE_FFFFFF & ~(1 << 21))
    }

    @Test func anUnknownNameIsAUsageError() {
        #expect(throws: LaunchError.usage(option: "--cap-drop", value: "sys_bogus",
                                          reason: "not a capability name (like net_admin or CAP_NET_ADMIN)")) {
            try resolve(drop: ["sys_bogus"])
        }
    }

    @Test func aCapabilityOutsideTheHostsBoundingSetIsRefusedByName() {
        #expect(throws: LaunchError.invalid(option: "--cap-add", value: "SYS_RESOURCE",
                                            reason: "not in corral's own bounding set on this host, so no task of it can have it")) {
            try resolve(add: ["SYS_RESOURCE"])
        }
    }

    @Test func aDefaultCapabilityTheHostLacksIsLeftOutWithAWarning() throws {
        let narrow = CapabilitySet(mask: 0xA804_25FB & ~1)  // no chown
        let (set, _, warnings) = try CapabilityRequest().resolve(bounding: narrow, last: 40)
        #expect(!set.contains(0))
        #expect(warnings == ["capability chown is not in corral's bounding set: the task runs without it"])
    }

    @Test func rootHoldsTheGrantedSetOthersOnlyWhatTheyAskedFor() {
        let granted = CapabilitySet(mask: 0xA804_25FB | 1 << 10), added = CapabilitySet(mask: 1 << 10)
        let root = TaskCapabilities(granted: granted, added: added, uid: 0)
        #expect(root.bounding == granted && root.permitted == granted && root.effective == granted)
        #expect(root.inheritable.mask == 0 && root.ambient.mask == 0)
        let user = TaskCapabilities(granted: granted, added: added, uid: 1000)
        #expect(user.bounding == granted)
        #expect(user.permitted == added && user.effective == added && user.inheritable == added && user.ambient == added)
        let plainUser = TaskCapabilities(granted: granted, added: CapabilitySet(), uid: 1000)
        #expect(plainUser.effective.mask == 0 && plainUser.ambient.mask == 0)
    }

    @Test func thePlanCarriesTheSetsForTheUser() throws {
        var spec = IsolationSpec(command: ["/bin/true"], hostname: "t")
        spec.user = "app"
        spec.capabilities = CapabilityRequest(add: ["net_admin"], drop: ["all"])
        let plan = try LaunchPlanBuilder(host: host).build(spec, rootMountpoint: "/run/x")
        #expect(plan.capabilities.ambient.mask == 1 << 12)
        #expect(plan.lastCapability == 40)
    }
}
