import ArgumentParser

struct Losslab: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "losslab",
        abstract: "An interactive explorer for the losses of sentence-transformers.",
        version: Losslab.version,
        subcommands: [ExplorerCommand.self, RunCommand.self, EvalCommand.self, LossesCommand.self, BenchCommand.self, TestArraysCommand.self],
        defaultSubcommand: ExplorerCommand.self)

    /// `losslab --version`.
    static let version = "0.1.0"
}
