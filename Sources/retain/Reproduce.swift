import ArgumentParser
import Foundation
import RetainEngine

struct Reproduce: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the main job on the built-in world.")
    func run() throws { print("not yet") }
}
