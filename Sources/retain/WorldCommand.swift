import ArgumentParser
import Foundation
import RetainWorld

/// `retain world ...`: the built-in synthetic world. Named `WorldCommand` (command name "world")
/// so it does not shadow `RetainWorld.World` in this module.
struct WorldCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "world",
        abstract: "The built-in synthetic world: knowledge, task families, SFT sets, benchmarks.",
        subcommands: [
            WorldExport.self,
            WorldInspect.self,
        ])
}

extension WorldConfig.Preset: ExpressibleByArgument {}

struct WorldExport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write the world's corpus and SFT sets as JSONL and its benchmarks as JSONL + lm-eval task YAML.")

    @Option(help: "World size: quick, default or full.") var preset: WorldConfig.Preset = .default
    @Option(help: "Output directory (created if needed).") var out: String
    @Option(help: "Root seed of the world.") var seed: UInt64 = 1
    @Flag(help: "Also write the vendor's original SFT set (hidden by default).") var includeOriginal = false
    @Flag(help: "Write only OUT/benchmarks/ (how the repository's benchmarks/ folder is made).") var benchmarksOnly = false

    func run() throws {
        let start = Date()
        let world = try World(config: .preset(preset, seed: seed))
        let built = Date().timeIntervalSince(start)
        let dir = URL(fileURLWithPath: out, isDirectory: true)
        let files: [String]
        do {
            files = try WorldExporter.export(world, to: dir, options: .init(includeOriginal: includeOriginal,
                                                                             benchmarksOnly: benchmarksOnly,
                                                                             presetName: preset.rawValue))
        } catch let e as CocoaError {
            let path = (e.userInfo[NSFilePathErrorKey] as? String) ?? dir.path
            throw CLIError("cannot write the export to \(path): \(e.localizedDescription)")
        }
        print(String(format: "world %@ (preset %@, seed %llu) built in %.2f s", world.config.contentHash, preset.rawValue, seed, built))
        if !benchmarksOnly {
            print("  corpus: \(world.pretrainingCorpus.count) documents; original SFT: \(world.originalSFT.count)"
                  + (includeOriginal ? "" : " (not written; --include-original)") + "; domain: \(world.domainSet.count)")
            for p in world.publicSets {
                print(String(format: "  %@: %d conversations, λ %.2f, style %@, %d families missing, TV from original %.3f",
                             p.name, p.conversations.count, p.lambda, p.style.name, p.missingFamilies.count,
                             world.familyMixDistance(p.conversations)))
            }
        }
        for b in world.benchmarks.all {
            print("  \(b.name) benchmark: \(b.multipleChoice.count) items (\(b.families.count) families)")
        }
        print("wrote \(files.count) files under \(dir.path)")
    }
}
