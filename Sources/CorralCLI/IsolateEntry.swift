import ArgumentParser
import CorralIsolateCLI

/// `isolate` in the command tree, for `corral --help` to list it. Its options are not ArgumentParser's
/// (see `Isolate` in CorralIsolateCLI): `CorralMain` hands `corral isolate ...` and `corral help
/// isolate` to `IsolateMain` before the tree is parsed, so this only runs if something reaches it
/// another way, and then does the same.
struct IsolateEntry: ParsableCommand {
    // The discussion is isolate's options, for its man page (`corral isolate --help` prints its own help).
    static let configuration = CommandConfiguration(commandName: "isolate", abstract: IsolateMain.abstract,
                                                    discussion: IsolateMain.manualText)

    @Argument(parsing: .allUnrecognized, help: ArgumentHelp("See corral isolate --help.", valueName: "arguments"))
    var arguments: [String] = []

    func run() throws {
        throw ExitCode(IsolateMain.run(arguments))
    }
}
