import ArgumentParser

struct Losslab: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "losslab",
        abstract: "An interactive explorer for the losses of sentence-transformers.",
        subcommands: [DemoCommand.self, RunCommand.self, EvalCommand.self, BenchCommand.self, TestArraysCommand.self],
        defaultSubcommand: DemoCommand.self)
}
