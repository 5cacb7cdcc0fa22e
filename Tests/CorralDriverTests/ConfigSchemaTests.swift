import CorralDriver
import Foundation
import Testing

/// Validation of a driver `config` block: every error names the offending key by its path.
@Suite struct ConfigSchemaTests {
    static let deviceSchema = ConfigSchema([
        ConfigAttribute("host_path", .string, required: true),
        ConfigAttribute("mode", .string),
    ])
    let schema = ConfigSchema([
        ConfigAttribute("name", .string, required: true),
        ConfigAttribute("enabled", .bool),
        ConfigAttribute("count", .integer),
        ConfigAttribute("ratio", .number),
        ConfigAttribute("timeout", .duration),
        ConfigAttribute("size", .byteSize),
        ConfigAttribute("speed", .oneOf(["fast", "slow"])),
        ConfigAttribute("args", .list(.string)),
        ConfigAttribute("devices", .list(.object(ConfigSchemaTests.deviceSchema))),
        ConfigAttribute("logging", .object(ConfigSchema([ConfigAttribute("level", .oneOf(["info", "debug"]))]))),
    ])

    /// The error `validate` throws for `name = "x"` plus `extra`, or nil when it accepts it.
    func error(_ extra: DriverConfig, withName: Bool = true) -> DriverError? {
        var config = extra
        if withName, config["name"] == nil { config["name"] = .string("x") }
        do {
            try schema.validate(config)
            return nil
        } catch {
            return error
        }
    }

    @Test func aConfigOfTheRightTypesIsAccepted() {
        #expect(error([
            "enabled": .bool(true), "count": .integer(3), "ratio": .number(0.5), "timeout": .string("5s"),
            "size": .string("64m"), "speed": .string("fast"), "args": .list([.string("a"), .string("b")]),
            "devices": .list([.object(["host_path": .string("/dev/null")])]),
            "logging": .object(["level": .string("debug")]),
        ]) == nil)
    }

    @Test func anUnknownKeyIsNamedWithTheKnownKeys() {
        #expect(error(["colour": .string("red")]) == .invalidConfig(
            key: "config.colour",
            reason: "unknown key (this driver takes: args, count, devices, enabled, logging, name, ratio, size, speed, timeout)"))
    }

    @Test func theFirstUnknownKeyInSortedOrderIsReported() {
        #expect(error(["zz": .bool(true), "aa": .bool(true)])?.invalidConfigKey == "config.aa")
    }

    @Test func aMissingRequiredKeyIsNamed() {
        #expect(error(["enabled": .bool(true)], withName: false) == .invalidConfig(key: "config.name", reason: "is required"))
    }

    @Test func aStringWhereABoolIsExpectedIsRefused() {
        #expect(error(["enabled": .string("yes")]) == .invalidConfig(
            key: "config.enabled", reason: "expected a bool, got a string \"yes\""))
    }

    @Test func aBoolWhereAStringIsExpectedIsRefused() {
        #expect(error(["name": .bool(true)]) == .invalidConfig(key: "config.name", reason: "expected a string, got a bool true"))
    }

    @Test func aListElementOfTheWrongTypeIsNamedByIndex() {
        #expect(error(["args": .list([.string("a"), .integer(3)])]) == .invalidConfig(
            key: "config.args[1]", reason: "expected a string, got an integer 3"))
    }

    @Test func aScalarWhereAListIsExpectedIsRefused() {
        #expect(error(["args": .string("a")]) == .invalidConfig(
            key: "config.args", reason: "expected a list of strings, got a string \"a\""))
    }

    @Test func aMissingKeyInsideABlockIsNamedByItsPath() {
        let devices = ConfigValue.list([.object(["host_path": .string("/dev/null")]), .object(["mode": .string("r")])])
        #expect(error(["devices": devices]) == .invalidConfig(key: "config.devices[1].host_path", reason: "is required"))
    }

    @Test func aWrongTypeInsideABlockIsNamedByItsPath() {
        #expect(error(["devices": .list([.object(["host_path": .integer(1)])])]) == .invalidConfig(
            key: "config.devices[0].host_path", reason: "expected a string, got an integer 1"))
    }

    @Test func anUnknownKeyInsideABlockListsTheBlocksKeys() {
        let devices = ConfigValue.list([.object(["host_path": .string("/dev/null"), "hostpath": .string("/dev/zero")])])
        #expect(error(["devices": devices]) == .invalidConfig(
            key: "config.devices[0].hostpath", reason: "unknown key (this driver takes: host_path, mode)"))
    }

    @Test func aSingleBlockWhereBlocksAreRepeatableIsAccepted() {
        #expect(error(["devices": .object(["host_path": .string("/dev/null")])]) == nil)
    }

    @Test func aSingleBlockIsCheckedAsTheFirstOfTheList() {
        #expect(error(["devices": .object(["mode": .string("rw")])]) == .invalidConfig(
            key: "config.devices[0].host_path", reason: "is required"))
    }

    @Test func aScalarWhereBlocksAreExpectedIsRefused() {
        #expect(error(["devices": .string("/dev/null")]) == .invalidConfig(
            key: "config.devices", reason: "expected a list of blocks, got a string \"/dev/null\""))
    }

    @Test func aNestedObjectIsCheckedUnderItsKey() {
        #expect(error(["logging": .object(["level": .string("trace")])]) == .invalidConfig(
            key: "config.logging.level", reason: "expected one of \"info\", \"debug\", got a string \"trace\""))
    }

    @Test func theErrorPathStartsWithTheGivenPrefix() throws {
        #expect(throws: DriverError.invalidConfig(key: "task.web.config.name", reason: "is required")) {
            try schema.validate([:], path: "task.web.config")
        }
    }

    @Test func anIntegerAcceptsAnIntegralNumber() {
        #expect(error(["count": .number(3.0)]) == nil)
    }

    @Test func anIntegerRefusesAFraction() {
        #expect(error(["count": .number(2.5)]) == .invalidConfig(
            key: "config.count", reason: "expected an integer, got a number 2.5"))
    }

    @Test func anIntegerRefusesANumberBeyondInt64() {
        #expect(error(["count": .number(1e19)])?.invalidConfigKey == "config.count")
        #expect(error(["count": .number(.infinity)])?.invalidConfigKey == "config.count")
    }

    @Test func aNumberAcceptsAnInteger() {
        #expect(error(["ratio": .integer(2)]) == nil)
    }

    @Test func aDurationAcceptsGoSyntaxAndNanoseconds() {
        #expect(error(["timeout": .string("1m30s")]) == nil)
        #expect(error(["timeout": .integer(90_000_000_000)]) == nil)
        #expect(error(["timeout": .integer(0)]) == nil)
    }

    @Test func aDurationRefusesWhatIsNotOne() {
        #expect(error(["timeout": .string("5 parsecs")]) == .invalidConfig(
            key: "config.timeout", reason: "\"5 parsecs\" is not a duration (like 250ms, 5s, 1m30s)"))
    }

    @Test func aDurationRefusesNegativeNanosecondsAndOtherTypes() {
        #expect(error(["timeout": .integer(-1)]) == .invalidConfig(
            key: "config.timeout", reason: "expected a duration like \"5s\", got an integer -1"))
        #expect(error(["timeout": .bool(true)])?.invalidConfigKey == "config.timeout")
    }

    @Test func aByteSizeAcceptsUnitsAndBytes() {
        #expect(error(["size": .string("64m")]) == nil)
        #expect(error(["size": .integer(1024)]) == nil)
    }

    @Test func aByteSizeRefusesWords() {
        #expect(error(["size": .string("lots")]) == .invalidConfig(
            key: "config.size", reason: "\"lots\" is not a size (like 512k, 64m, 1g)"))
    }

    @Test func aByteSizeRefusesZeroBytes() {
        #expect(error(["size": .integer(0)]) == .invalidConfig(
            key: "config.size", reason: "expected a size like 64m or a number of bytes, got an integer 0"))
    }

    @Test func oneOfRefusesOtherStrings() {
        #expect(error(["speed": .string("medium")]) == .invalidConfig(
            key: "config.speed", reason: "expected one of \"fast\", \"slow\", got a string \"medium\""))
        #expect(error(["speed": .string("Fast")])?.invalidConfigKey == "config.speed")
    }

    @Test func nullCountsAsAbsent() {
        #expect(error(["count": .null, "devices": .null]) == nil)
        #expect(error(["name": .null], withName: false) == .invalidConfig(key: "config.name", reason: "is required"))
    }

    @Test func attributeLooksUpByName() {
        #expect(schema.attribute("count") == ConfigAttribute("count", .integer))
        #expect(schema.attribute("name")?.required == true)
        #expect(schema.attribute("nope") == nil)
    }

    @Test func typesDescribeThemselvesForErrorMessages() {
        #expect(ConfigType.list(.integer).description == "a list of integers")
        #expect(ConfigType.oneOf(["a", "b"]).description == "one of \"a\", \"b\"")
        #expect(ConfigType.object(ConfigSchema([])).description == "a block")
    }
}

/// Typed reads of a validated block.
@Suite struct ConfigReaderTests {
    let reader = ConfigReader([
        "s": .string("text"), "b": .bool(false), "i": .integer(-7), "whole": .number(3.0), "half": .number(2.5),
        "d": .string("1m30s"), "dn": .integer(1500), "bs": .string("64m"), "bi": .integer(1024), "zero": .integer(0),
        "list": .list([.string("a"), .string("b")]),
        "blocks": .list([.object(["k": .string("1")]), .object(["k": .string("2")])]),
        "one": .object(["k": .string("only")]),
    ])

    @Test func stringsAndBoolsReadOnlyTheirOwnType() {
        #expect(reader.string("s") == "text")
        #expect(reader.bool("b") == false)
        #expect(reader.string("b") == nil)
        #expect(reader.bool("s") == nil)
        #expect(reader.string("missing") == nil)
    }

    @Test func integersReadIntegralNumbers() {
        #expect(reader.integer("i") == -7)
        #expect(reader.integer("whole") == 3)
        #expect(reader.integer("s") == nil)
    }

    @Test func numbersReadIntegers() {
        #expect(reader.number("i") == -7.0)
        #expect(reader.number("half") == 2.5)
    }

    @Test func durationsReadStringsAndNanoseconds() {
        #expect(reader.duration("d") == .seconds(90))
        #expect(reader.duration("dn") == .nanoseconds(1500))
        #expect(reader.duration("b") == nil)
    }

    @Test func byteSizesReadUnitsAndBytes() {
        #expect(reader.byteSize("bs") == 64 << 20)
        #expect(reader.byteSize("bi") == 1024)
        #expect(reader.byteSize("zero") == nil)
    }

    @Test func stringListsReadTheirStrings() {
        #expect(reader.strings("list") == ["a", "b"])
        #expect(reader.strings("missing") == [])
        #expect(reader.strings("s") == [])
    }

    @Test func blocksReadAListOrASingleBlock() {
        #expect(reader.blocks("blocks").map { $0.string("k") } == ["1", "2"])
        #expect(reader.blocks("one").map { $0.string("k") } == ["only"])
        #expect(reader.blocks("missing").isEmpty)
    }
}

/// A config block as a JSON job gives it.
@Suite struct ConfigValueJSONTests {
    func decode(_ json: String) throws -> ConfigValue {
        try JSONDecoder().decode(ConfigValue.self, from: Data(json.utf8))
    }

    @Test func scalarsKeepTheirKinds() throws {
        let value = try decode(#"{"on": true, "off": false, "n": 3, "x": 2.5, "s": "hi", "nothing": null}"#)
        #expect(value == .object([
            "on": .bool(true), "off": .bool(false), "n": .integer(3), "x": .number(2.5), "s": .string("hi"),
            "nothing": .null,
        ]))
    }

    @Test func listsAndObjectsNest() throws {
        let value = try decode(#"{"args": ["a", 1, [true]], "mounts": [{"target": "/t", "readonly": true}]}"#)
        #expect(value == .object([
            "args": .list([.string("a"), .integer(1), .list([.bool(true)])]),
            "mounts": .list([.object(["target": .string("/t"), "readonly": .bool(true)])]),
        ]))
    }

    @Test func aDecodedBlockValidatesAgainstASchema() throws {
        guard case .object(let config) = try decode(#"{"count": 3, "enabled": "true"}"#) else {
            Issue.record("not an object")
            return
        }
        let schema = ConfigSchema([ConfigAttribute("count", .integer), ConfigAttribute("enabled", .bool)])
        #expect(throws: DriverError.invalidConfig(key: "config.enabled", reason: "expected a bool, got a string \"true\"")) {
            try schema.validate(config)
        }
    }

    @Test func valuesRoundTripThroughJSON() throws {
        let value = ConfigValue.object([
            "s": .string("x"), "i": .integer(-4), "x": .number(0.25), "b": .bool(true), "z": .null,
            "l": .list([.integer(1), .object(["k": .string("v")])]),
        ])
        let data = try JSONEncoder().encode(value)
        #expect(try JSONDecoder().decode(ConfigValue.self, from: data) == value)
    }

    @Test func descriptionsAreWhatErrorsQuote() {
        #expect(ConfigValue.object(["b": .integer(1), "a": .list([.string("x"), .null])]).description
            == "{a = [\"x\", null], b = 1}")
    }
}

@Suite struct DriverErrorTests {
    @Test func descriptionsNameTheProblem() {
        #expect(DriverError.taskNotFound(id: "a/web/0").description == "task a/web/0 not found")
        #expect(DriverError.invalidConfig(key: "config.command", reason: "is required").description == "config.command: is required")
        #expect(DriverError.startFailed(reason: "busy", recoverable: true).description == "cannot start task: busy")
        #expect(DriverError.taskNotRunning(id: "a/web/0").description == "task a/web/0 is not running")
        #expect(DriverError.taskStillRunning(id: "a/web/0").description
            == "task a/web/0 is still running; stop it first or destroy with force")
        #expect(DriverError.unsupported(operation: "exec").description == "this driver does not support exec")
        #expect(DriverError.failed(operation: "signal task a", reason: "denied", recoverable: false).description
            == "signal task a: denied")
    }

    @Test func onlyStartAndOperationFailuresCanBeRecoverable() {
        #expect(DriverError.startFailed(reason: "", recoverable: true).recoverable)
        #expect(!DriverError.startFailed(reason: "", recoverable: false).recoverable)
        #expect(DriverError.failed(operation: "", reason: "", recoverable: true).recoverable)
        #expect(!DriverError.invalidConfig(key: "", reason: "").recoverable)
        #expect(!DriverError.taskNotFound(id: "").recoverable)
        #expect(!DriverError.taskNotRunning(id: "").recoverable)
        #expect(!DriverError.taskStillRunning(id: "").recoverable)
        #expect(!DriverError.unsupported(operation: "").recoverable)
    }
}

extension DriverError {
    /// The key of an `invalidConfig` error, for tests that check only which key was named.
    var invalidConfigKey: String? {
        if case .invalidConfig(let key, _) = self { return key }
        return nil
    }
}

/// Task ids (`allocID/taskName/restartCount`) and the default log paths.
@Suite struct TaskConfigTests {
    @Test func anIDSplitsIntoItsParts() throws {
        let parts = try TaskConfig.parseID("a1b2/web/0")
        #expect(parts.allocID == "a1b2")
        #expect(parts.task == "web")
        #expect(parts.restart == 0)
    }

    @Test func makeIDBuildsWhatParseIDTakesApart() throws {
        let id = TaskConfig.makeID(allocID: "a1b2", task: "db", restart: 3)
        #expect(id == "a1b2/db/3")
        #expect(try TaskConfig.parseID(id).restart == 3)
    }

    @Test(arguments: ["a/b", "a/b/c", "a//0", "../web/0", "./web/0", "a/../0", "a/web/-1", "a/web/0/1", "", "/web/0"])
    func aMalformedIDIsRefused(id: String) {
        #expect(throws: DriverError.invalidConfig(key: "id", reason: "\"\(id)\" is not allocID/taskName/restartCount")) {
            try TaskConfig.parseID(id)
        }
    }

    @Test func logsGoUnderTheAllocationDirectory() {
        let config = TaskConfig(id: "a1/web/0", name: "web", allocDir: "/var/corral/a1", taskDir: "/var/corral/a1/web")
        #expect(config.stdoutPath == "/var/corral/a1/alloc/logs/web.stdout")
        #expect(config.stderrPath == "/var/corral/a1/alloc/logs/web.stderr")
    }

    @Test func aTrailingSlashOnTheAllocationDirectoryIsNotDoubled() {
        #expect(TaskConfig.logPath(allocDir: "/alloc/", task: "web", stream: "stderr") == "/alloc/alloc/logs/web.stderr")
    }

    @Test func explicitLogPathsAreKept() {
        let config = TaskConfig(id: "a1/web/0", name: "web", allocDir: "/a", taskDir: "/a/web",
                                stdoutPath: "/tmp/out", stderrPath: "/tmp/err")
        #expect(config.stdoutPath == "/tmp/out")
        #expect(config.stderrPath == "/tmp/err")
    }
}
