import ArgumentParser
import RetainEngine

struct Retain: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "retain", abstract: "Measure and mitigate catastrophic forgetting in SFT.")
    func run() throws { print(ModelConfig().dModel) }
}
Retain.main()
