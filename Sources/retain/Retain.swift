import ArgumentParser
import Foundation

struct Retain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retain",
        abstract: "Measure and mitigate catastrophic forgetting in supervised fine-tuning.",
        subcommands: [Run.self, Reproduce.self, WorldCommand.self, Bench.self])
}

@main
enum Entry {
    static func main() {
        // Progress lines must appear as they happen even when stdout is a pipe or a CI log.
        setvbuf(stdout, nil, _IOLBF, 0)
        Retain.main()
    }
}
