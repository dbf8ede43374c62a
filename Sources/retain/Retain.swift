import ArgumentParser
import Foundation

struct Retain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retain",
        abstract: "Measure and mitigate catastrophic forgetting in supervised fine-tuning.",
        subcommands: [Reproduce.self, Run.self, Report.self, Compare.self, Gate.self, Export.self, WorldCommand.self, DataCommand.self, Bench.self])
}

@main
enum Entry {
    static func main() {
        // Progress lines must appear as they happen even when stdout is a pipe or a CI log.
        setvbuf(stdout, nil, _IOLBF, 0)
        // `retain gate` promises exit code 2 for usage errors (ArgumentParser's default is 64), so
        // scripts can tell "a budget failed" (1) from "the gate could not run" (2).
        if CommandLine.arguments.dropFirst().first == "gate" {
            do {
                var command = try Retain.parseAsRoot()
                try command.run()
                exit(0)
            } catch {
                let code = Retain.exitCode(for: error)
                if code == .success || code == .failure || error is ExitCode { Retain.exit(withError: error) }
                FileHandle.standardError.write(Data((Retain.fullMessage(for: error) + "\n").utf8))
                exit(2)
            }
        }
        Retain.main()
    }
}
