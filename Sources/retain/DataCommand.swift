import ArgumentParser
import Foundation
import RetainCore
import RetainDatasets

/// `retain data`: reads SFT dataset files the way an experiment will, so a bad file is found (with
/// its file, line and field) before any model is trained. Exit 2 on an unusable file.
struct DataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data",
        abstract: "Check or convert SFT dataset files (OpenAI messages, Alpaca, ShareGPT; JSON Lines or a JSON array).",
        subcommands: [DataCheck.self, DataConvert.self])
}

extension DatasetFormat: ExpressibleByArgument {}
extension DatasetErrorPolicy: ExpressibleByArgument {}

/// The options both subcommands read a dataset with.
struct DatasetReadOptions: ParsableArguments {
    @Option(help: "The format (default: detected from the first record): openai, alpaca or sharegpt.") var format: DatasetFormat?
    @Option(name: .customLong("on-error"), help: "A bad record: fail (stop at it) or skip (drop it and count it).")
    var onError: DatasetErrorPolicy = .fail

    func load(_ path: String) throws -> LoadedDataset {
        do { return try DatasetReader.load(path: path, format: format, onError: onError) } catch let e as DatasetError {
            FileHandle.standardError.write(Data("retain data: \(e)\n".utf8))
            throw ExitCode(2)
        }
    }
}

struct DataCheck: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Read dataset files and print what an experiment would train on (exit 2 on a bad file).")

    @OptionGroup var read: DatasetReadOptions
    @Flag(help: "Print JSON.") var json = false
    @Argument(help: "Dataset files.") var files: [String]

    struct Summary: Codable {
        var file: String
        var format: DatasetFormat
        var conversations: Int
        var multiTurn: Int
        var withSystemPrompt: Int
        var assistantTurns: Int
        var skipped: Int
        /// The first skipped records' errors (at most 10).
        var skippedErrors: [String]
    }

    func run() throws {
        var summaries: [Summary] = []
        for file in files {
            let d = try read.load(file)
            let assistantTurns = d.conversations.map { $0.messages.filter { $0.role == .assistant }.count }
            summaries.append(Summary(
                file: file, format: d.format, conversations: d.conversations.count,
                multiTurn: assistantTurns.filter { $0 > 1 }.count,
                withSystemPrompt: d.conversations.filter { $0.messages.first?.role == .system }.count,
                assistantTurns: assistantTurns.reduce(0, +), skipped: d.skipped.count,
                skippedErrors: d.skipped.prefix(10).map(\.description)))
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(summaries), as: UTF8.self))
            return
        }
        for s in summaries {
            print("\(s.file): \(s.format.rawValue), \(s.conversations) conversations (\(s.multiTurn) multi-turn, "
                  + "\(s.withSystemPrompt) with a system prompt, \(s.assistantTurns) assistant turns), \(s.skipped) skipped")
            for e in s.skippedErrors { print("  skipped: \(e)") }
            if s.skipped > s.skippedErrors.count { print("  … and \(s.skipped - s.skippedErrors.count) more") }
        }
    }
}

struct DataConvert: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract: "Write a dataset as OpenAI-messages JSON Lines (the form external trainers take).")

    @OptionGroup var read: DatasetReadOptions
    @Option(help: "The JSON Lines file to write.") var out: String
    @Argument(help: "The dataset file.") var file: String

    func run() throws {
        let d = try read.load(file)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var data = Data()
        for c in d.conversations {
            data.append(try encoder.encode(c))
            data.append(0x0A)
        }
        do { try data.write(to: URL(fileURLWithPath: out), options: .atomic) } catch {
            throw CLIError("\(out): cannot write (\(error.localizedDescription))")
        }
        print("wrote \(d.conversations.count) conversations to \(out) (\(d.format.rawValue) in, \(d.skipped.count) skipped)")
    }
}
