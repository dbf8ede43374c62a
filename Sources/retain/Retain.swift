import ArgumentParser

@main
struct Retain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retain",
        abstract: "Measure and mitigate catastrophic forgetting in supervised fine-tuning.",
        subcommands: [Reproduce.self, Bench.self, WorldCommand.self])
}
