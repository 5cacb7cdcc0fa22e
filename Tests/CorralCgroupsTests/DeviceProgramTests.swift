@testable import CorralCgroups
import Testing

@Suite struct DeviceProgramTests {
    typealias I = DeviceProgram.Instruction

    @Test func aFixedRuleSetCompilesToTheseInstructions() {
        let rules = [DeviceRule(.char, 1, 3, "rwm"), DeviceRule(.block, nil, nil, "m"), DeviceRule(.all, 136, nil, "rw")]
        let expected: [I] = [
            // prologue: r2 type, r3 access, r4 major, r5 minor
            I(code: 0x61, dst: 2, src: 1, offset: 0), I(code: 0xbf, dst: 3, src: 2), I(code: 0x57, dst: 2, immediate: 0xffff),
            I(code: 0x77, dst: 3, immediate: 16), I(code: 0x61, dst: 4, src: 1, offset: 4), I(code: 0x61, dst: 5, src: 1, offset: 8),
            // c 1:3 rwm: type, major, minor (any access)
            I(code: 0x55, dst: 2, offset: 4, immediate: 2), I(code: 0x55, dst: 4, offset: 3, immediate: 1),
            I(code: 0x55, dst: 5, offset: 2, immediate: 3), I(code: 0xb7, dst: 0, immediate: 1), I(code: 0x95),
            // b *:* m: type, then access & (r|w) must be 0
            I(code: 0x55, dst: 2, offset: 5, immediate: 1), I(code: 0xbf, dst: 6, src: 3), I(code: 0x57, dst: 6, immediate: 6),
            I(code: 0x55, dst: 6, offset: 2, immediate: 0), I(code: 0xb7, dst: 0, immediate: 1), I(code: 0x95),
            // a 136:* rw: access & m must be 0, major
            I(code: 0xbf, dst: 6, src: 3), I(code: 0x57, dst: 6, immediate: 1), I(code: 0x55, dst: 6, offset: 3, immediate: 0),
            I(code: 0x55, dst: 4, offset: 2, immediate: 136), I(code: 0xb7, dst: 0, immediate: 1), I(code: 0x95),
            // deny the rest
            I(code: 0xb7, dst: 0, immediate: 0), I(code: 0x95),
        ]
        #expect(DeviceProgram.instructions(rules) == expected)
    }

    @Test func instructionsAreEightLittleEndianBytes() {
        #expect(I(code: 0x55, dst: 4, src: 0, offset: 3, immediate: 136).bytes == [0x55, 0x04, 0x03, 0x00, 0x88, 0x00, 0x00, 0x00])
        #expect(I(code: 0x61, dst: 2, src: 1, offset: 8).bytes == [0x61, 0x12, 0x08, 0x00, 0, 0, 0, 0])
        #expect(DeviceProgram.program(DeviceRule.standard).count % 8 == 0)
    }

    @Test func everyJumpLandsInsideTheProgram() {
        let instructions = DeviceProgram.instructions(DeviceRule.standard)
        for (i, instruction) in instructions.enumerated() where instruction.code == 0x55 {
            let target = i + 1 + Int(instruction.offset)
            #expect(target < instructions.count && target > i)
            // A failed check lands on the start of the next rule or on the final deny.
            #expect(instructions[target].code == 0x55 || instructions[target].code == 0xbf
                    || (instructions[target].code == 0xb7 && instructions[target].immediate == 0))
        }
    }

    @Test func theStandardRulesReadLikeDevicesAllow() {
        #expect(DeviceRule.standard.map(\.description).prefix(3) == ["c *:* m", "b *:* m", "c 1:3 rwm"])
        #expect(DeviceRule.isValidAccess("rw") && DeviceRule.isValidAccess("m"))
        #expect(!DeviceRule.isValidAccess("") && !DeviceRule.isValidAccess("rx") && !DeviceRule.isValidAccess("rr"))
    }
}
