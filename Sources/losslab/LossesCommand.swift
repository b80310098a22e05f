import ArgumentParser
import LossSession

/// `losslab losses`: every loss with what it does, the data it takes and its parameters.
struct LossesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "losses",
        abstract: "List every loss: what it does, the data it takes, its parameters and defaults.")

    @Flag(help: "Print the README's Markdown table instead.") var markdown = false

    func run() throws {
        print(markdown ? LossTable.markdown() : LossTable.text(), terminator: "")
    }
}
