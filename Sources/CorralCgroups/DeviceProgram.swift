/// The cgroup v2 device "controller": a `BPF_PROG_TYPE_CGROUP_DEVICE` program, attached to the task's
/// cgroup, that the kernel asks before every open and mknod of a device node. It is generated from
/// the rules: one block per rule that returns 1 (allow) when type, access, major and minor all match,
/// then 0 (deny) for everything else.
///
/// The program reads `struct bpf_cgroup_dev_ctx`: `access_type` (device type in the low 16 bits:
/// 1 block, 2 char; access in the high 16: 1 mknod, 2 read, 4 write), `major`, `minor`.
package enum DeviceProgram {
    /// eBPF opcodes used here.
    enum Op {
        static let loadWord: UInt8 = 0x61        // BPF_LDX | BPF_MEM | BPF_W: dst = *(u32 *)(src + off)
        static let moveRegister: UInt8 = 0xbf    // BPF_ALU64 | BPF_MOV | BPF_X
        static let moveImmediate: UInt8 = 0xb7   // BPF_ALU64 | BPF_MOV | BPF_K
        static let andImmediate: UInt8 = 0x57    // BPF_ALU64 | BPF_AND | BPF_K
        static let shiftRight: UInt8 = 0x77      // BPF_ALU64 | BPF_RSH | BPF_K
        static let jumpIfNotEqual: UInt8 = 0x55  // BPF_JMP | BPF_JNE | BPF_K: skip `off` instructions
        static let exit: UInt8 = 0x95            // BPF_JMP | BPF_EXIT
    }

    /// One `struct bpf_insn`.
    struct Instruction: Equatable {
        var code: UInt8
        var dst: UInt8 = 0
        var src: UInt8 = 0
        var offset: Int16 = 0
        var immediate: Int32 = 0

        var bytes: [UInt8] {
            let off = UInt16(bitPattern: offset), imm = UInt32(bitPattern: immediate)
            return [code, (src << 4) | (dst & 0x0f), UInt8(off & 0xff), UInt8(off >> 8),
                    UInt8(imm & 0xff), UInt8((imm >> 8) & 0xff), UInt8((imm >> 16) & 0xff), UInt8(imm >> 24)]
        }
    }

    // Registers: r1 the context; r2 type, r3 access, r4 major, r5 minor, r6 scratch.
    static func prologue() -> [Instruction] {
        [
            Instruction(code: Op.loadWord, dst: 2, src: 1, offset: 0),          // r2 = access_type
            Instruction(code: Op.moveRegister, dst: 3, src: 2),                 // r3 = access_type
            Instruction(code: Op.andImmediate, dst: 2, immediate: 0xffff),      // r2 = type
            Instruction(code: Op.shiftRight, dst: 3, immediate: 16),            // r3 = access
            Instruction(code: Op.loadWord, dst: 4, src: 1, offset: 4),          // r4 = major
            Instruction(code: Op.loadWord, dst: 5, src: 1, offset: 8),          // r5 = minor
        ]
    }

    /// The checks of one rule (each jumps past the rule's end on mismatch), then "allow".
    static func block(_ rule: DeviceRule) -> [Instruction] {
        var checks: [Instruction] = []
        switch rule.kind {
        case .block: checks.append(Instruction(code: Op.jumpIfNotEqual, dst: 2, immediate: 1))
        case .char: checks.append(Instruction(code: Op.jumpIfNotEqual, dst: 2, immediate: 2))
        case .all: break
        }
        var allowed: Int32 = 0
        if rule.access.contains("m") { allowed |= 1 }
        if rule.access.contains("r") { allowed |= 2 }
        if rule.access.contains("w") { allowed |= 4 }
        if allowed != 7 {
            // Every requested access must be allowed: (access & ~allowed) == 0.
            checks.append(Instruction(code: Op.moveRegister, dst: 6, src: 3))
            checks.append(Instruction(code: Op.andImmediate, dst: 6, immediate: ~allowed & 7))
            checks.append(Instruction(code: Op.jumpIfNotEqual, dst: 6, immediate: 0))
        }
        if let major = rule.major { checks.append(Instruction(code: Op.jumpIfNotEqual, dst: 4, immediate: Int32(bitPattern: major))) }
        if let minor = rule.minor { checks.append(Instruction(code: Op.jumpIfNotEqual, dst: 5, immediate: Int32(bitPattern: minor))) }
        let allow = [Instruction(code: Op.moveImmediate, dst: 0, immediate: 1), Instruction(code: Op.exit)]
        // Each jump lands on the first instruction after this block.
        for i in checks.indices where checks[i].code == Op.jumpIfNotEqual {
            checks[i].offset = Int16(checks.count - i - 1 + allow.count)
        }
        return checks + allow
    }

    static func instructions(_ rules: [DeviceRule]) -> [Instruction] {
        prologue() + rules.flatMap(block) + [Instruction(code: Op.moveImmediate, dst: 0, immediate: 0), Instruction(code: Op.exit)]
    }

    /// The program as the bytes `bpf(BPF_PROG_LOAD)` takes.
    package static func program(_ rules: [DeviceRule]) -> [UInt8] {
        instructions(rules).flatMap(\.bytes)
    }
}
