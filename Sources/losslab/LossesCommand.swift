import ArgumentParser
import LossSession

/// `losslab losses`: every loss with what it does, the data it takes and its parameters.
struct LossesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "losses",
        abstract: "List every loss: what it does, the data it takes, its parameters and defaults.")

    @Flag(help: "Print the README's Markdown table instead.") var markdown = false
    @Flag(help: "Print what differs between the references (1.2.0 and 6.2.0), one line per loss.") var diff = false

    func run() throws {
        if markdown && diff { throw ValidationError("--markdown and --diff are two different tables: give one") }
        print(diff ? LossTable.differences() : markdown ? LossTable.markdown() : LossTable.text(), terminator: "")
    }
}
