import Foundation
import RetainCore
@testable import RetainSpec
import XCTest

/// Parses `yaml` and returns the error it must throw.
func specError(_ yaml: String, file: String = "spec.yaml", knownModels: [String] = SpecParser.defaultKnownModels,
               line: UInt = #line) -> SpecError? {
    do {
        let spec = try SpecParser.parse(yaml: yaml, file: file, knownModels: knownModels)
        XCTFail("expected an error, parsed \(spec)", line: line)
        return nil
    } catch let error as SpecError {
        return error
    } catch {
        XCTFail("expected a SpecError, got \(error)", line: line)
        return nil
    }
}

/// Asserts the error's kind, position and path (and, optionally, a message fragment).
func assertSpecError(_ yaml: String, _ kind: SpecError.Kind, line: Int, column: Int, path: String,
                     contains fragments: [String] = [], file: StaticString = #filePath, sourceLine: UInt = #line) {
    guard let error = specError(yaml, line: sourceLine) else { return }
    XCTAssertEqual(error.kind, kind, "\(error)", file: file, line: sourceLine)
    XCTAssertEqual(error.file, "spec.yaml", file: file, line: sourceLine)
    XCTAssertEqual(error.line, line, "\(error)", file: file, line: sourceLine)
    XCTAssertEqual(error.column, column, "\(error)", file: file, line: sourceLine)
    XCTAssertEqual(error.path, path, "\(error)", file: file, line: sourceLine)
    for fragment in fragments {
        XCTAssertTrue(error.description.contains(fragment), "\"\(error)\" lacks \"\(fragment)\"", file: file, line: sourceLine)
    }
}

final class SpecExampleTests: XCTestCase {
    static let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("examples")

    static let everyArm: [Arm] = [
        .instruct, .domainOnly, .publicMix("publicA"), .publicMix("publicB"), .publicMix("publicC"),
        .reconstructedMix, .oracleReplay, .oneModelOneResponse, .oneModelThreeSelfJudged,
    ]

    func testQuickExampleParsesWithDefaults() throws {
        let spec = try SpecParser.load(path: Self.examples.appendingPathComponent("quick.yaml").path)
        XCTAssertEqual(spec.experiment, "quick-paper-table")
        XCTAssertEqual(spec.world, WorldSpec(preset: .quick, seed: 1))
        XCTAssertEqual(spec.threads, 2)
        XCTAssertEqual(spec.seeds, [1, 2])
        XCTAssertEqual(spec.arms, Self.everyArm)
        XCTAssertNil(spec.sweep)
        XCTAssertEqual(spec.publicSets, ["publicA", "publicB", "publicC"])
        XCTAssertTrue(spec.needsSynthesis)
        // Sections it leaves out take their defaults.
        XCTAssertEqual(spec.synthesis, SynthesisSpec())
        XCTAssertEqual(spec.mix, MixSpec())
        XCTAssertEqual(spec.training, TrainingSpec())
        XCTAssertEqual(spec.evaluation, EvaluationSpec())
    }

    func testDefaultExampleParses() throws {
        let spec = try SpecParser.load(path: Self.examples.appendingPathComponent("default.yaml").path)
        XCTAssertEqual(spec.experiment, "default-paper-table")
        XCTAssertEqual(spec.world.preset, .default)
        XCTAssertEqual(spec.seeds, [1, 2, 3])
        XCTAssertEqual(spec.arms, Self.everyArm)
        XCTAssertEqual(spec.sweep, SweepSpec(arm: .reconstructedMix, generalShares: [0.5, 0.7, 0.9]))
        // It writes out the defaults explicitly, so the sections equal the defaults.
        XCTAssertEqual(spec.synthesis, SynthesisSpec())
        XCTAssertEqual(spec.synthesis.judges, [.likelihood("instruct"), .likelihood("vendor-b"), .likelihood("vendor-c")])
        XCTAssertEqual(spec.mix, MixSpec())
        XCTAssertEqual(spec.training, TrainingSpec())
        XCTAssertEqual(spec.evaluation, EvaluationSpec())
    }

    func testJudgeSetsExampleParses() throws {
        let spec = try SpecParser.load(path: Self.examples.appendingPathComponent("judge-sets.yaml").path)
        XCTAssertEqual(spec.arms, [.instruct, .reconstructedMix, .judgeSet("consensus-only"), .judgeSet("likelihood-consensus"),
                                   .judgeSet("verifier")])
        XCTAssertEqual(spec.synthesis.judges, SynthesisSpec().judges)
        XCTAssertEqual(spec.synthesis.judgeSets["likelihood-only"], spec.synthesis.judges)
        XCTAssertEqual(spec.synthesis.judgeSets.keys.sorted(),
                       ["check-instruct", "consensus-only", "likelihood-consensus", "likelihood-only", "verifier"])
        XCTAssertEqual(spec.synthesis.judgeSets["check-instruct"], [.check("instruct")])
    }
}

final class SpecDefaultsTests: XCTestCase {
    func testMinimalSpecTakesEveryDefault() throws {
        let spec = try SpecParser.parse(yaml: "experiment: tiny\narms: [instruct]\n", file: "spec.yaml")
        XCTAssertEqual(spec, ExperimentSpec(experiment: "tiny", arms: [.instruct]))
        XCTAssertEqual(spec.world.preset, .quick)
        XCTAssertEqual(spec.world.seed, 1)
        XCTAssertEqual(spec.threads, 2)
        XCTAssertEqual(spec.seeds, [1])
        let s = spec.synthesis
        XCTAssertEqual(s.instructions, 400)
        XCTAssertEqual(s.temperature, 1.0)
        XCTAssertEqual(s.topP, 0.98)
        XCTAssertEqual(s.maxTokens, 48)
        XCTAssertEqual(s.dedupThreshold, 0.8)
        XCTAssertEqual(s.minChars, 8)
        XCTAssertEqual(s.maxChars, 400)
        XCTAssertEqual(s.generators, ["instruct", "vendor-b", "vendor-c"])
        XCTAssertEqual(s.responsesPerModel, 3)
        XCTAssertEqual(s.responseTemperature, 0.7)
        XCTAssertEqual(s.responseTopP, 0.95)
        XCTAssertEqual(s.responseMaxTokens, 48)
        XCTAssertEqual(s.judges, [.likelihood("instruct"), .likelihood("vendor-b"), .likelihood("vendor-c")])
        XCTAssertNil(s.minScore)
        XCTAssertEqual(spec.mix.generalShare, 0.83)
        XCTAssertNil(spec.mix.total)
        XCTAssertEqual(spec.training.epochs, 1)
        XCTAssertEqual(spec.training.learningRate, 1e-3)
        XCTAssertEqual(spec.training.batchSize, 16)
        XCTAssertEqual(spec.training.warmupFraction, 0.05)
        XCTAssertEqual(spec.training.userTokenWeight, 0)
        XCTAssertEqual(spec.evaluation.maxTokens, 32)
        XCTAssertEqual(spec.evaluation.benchmarks, [.general, .domain])
        XCTAssertNil(spec.sweep)
        XCTAssertFalse(spec.needsSynthesis)
    }

    func testDefaultJudgesFollowTheGenerators() throws {
        let spec = try SpecParser.parse(yaml: """
            experiment: x
            synthesis:
              generators: [vendor-c, instruct]
            arms: [reconstructed-mix]
            """, file: "spec.yaml")
        XCTAssertEqual(spec.synthesis.judges, [.likelihood("vendor-c"), .likelihood("instruct")])
    }

    func testNullValuesMeanDefaultsAndExplicitValuesAreRead() throws {
        let spec = try SpecParser.parse(yaml: """
            experiment: x
            world: {preset: full, seed: 7}
            threads: 8
            seeds: [3, 1]
            synthesis:
              temperature: ~
              instructions: 1_000
              judges:
                - {kind: prompt, model: vendor-b}
                - {kind: verifier}
              min_score: 3.5
            mix: {general_share: 0.5, total: 1200, interleave: true}
            training: {epochs: 0.5, learning_rate: 2.0e-4, batch_size: 8, warmup_fraction: 0, user_token_weight: 0.25, tokens: 40960}
            evaluation: {max_tokens: 16, benchmarks: [domain]}
            arms: [public-mix:my.set_1, oracle-replay, domain-only-repeated]
            """, file: "spec.yaml")
        XCTAssertEqual(spec.world, WorldSpec(preset: .full, seed: 7))
        XCTAssertEqual(spec.threads, 8)
        XCTAssertEqual(spec.seeds, [1, 3])
        XCTAssertEqual(spec.synthesis.temperature, 1.0)
        XCTAssertEqual(spec.synthesis.instructions, 1000)
        XCTAssertEqual(spec.synthesis.judges, [.prompt("vendor-b"), .verifier])
        XCTAssertEqual(spec.synthesis.minScore, 3.5)
        XCTAssertEqual(spec.mix, MixSpec(generalShare: 0.5, total: 1200, interleave: true))
        XCTAssertTrue(spec.canonicalYAML.contains("  interleave: true\n"))
        // false is the default and, like an absent key, leaves the canonical JSON (and the hash) as before.
        XCTAssertFalse(String(decoding: try JSONEncoder().encode(MixSpec(interleave: false)), as: UTF8.self).contains("interleave"))
        XCTAssertEqual(spec.mix.mixSize(domainSize: 600), 1200)
        XCTAssertEqual(MixSpec().mixSize(domainSize: 600), 3529)   // 600 / 0.17 = 3529.4
        XCTAssertEqual(spec.training, TrainingSpec(epochs: 0.5, learningRate: 2e-4, batchSize: 8, warmupFraction: 0, userTokenWeight: 0.25,
                                                   tokens: 40960))
        XCTAssertEqual(spec.training.fineTuneSettings(seed: 3), FineTuneSettings(epochs: 0.5, learningRate: 2e-4, batchSize: 8,
                                                                                  warmupFraction: 0, userTokenWeight: 0.25, seed: 3,
                                                                                  tokens: 40960))
        XCTAssertEqual(spec.evaluation, EvaluationSpec(maxTokens: 16, benchmarks: [.domain]))
        XCTAssertEqual(spec.arms, [.publicMix("my.set_1"), .oracleReplay, .domainOnlyRepeated])
        XCTAssertTrue(spec.canonicalYAML.contains("  tokens: 40960\n"))
        XCTAssertEqual(try SpecParser.parse(yaml: spec.canonicalYAML, file: "c.yaml"), spec)
        XCTAssertThrowsError(try SpecParser.parse(yaml: "experiment: x\ntraining: {tokens: 0}\narms: [instruct]\n", file: "t.yaml")) { error in
            XCTAssertTrue("\(error)".contains("training.tokens"), "\(error)")
        }
    }

    func testMinScoreZeroMeansNoMinimum() throws {
        let spec = try SpecParser.parse(yaml: "experiment: x\nsynthesis: {min_score: 0}\narms: [instruct]\n", file: "spec.yaml")
        XCTAssertNil(spec.synthesis.minScore)
    }

    func testKnownModelsParameterWidensTheAllowedModels() throws {
        let yaml = """
            experiment: x
            synthesis:
              generators: [instruct, big-teacher]
              judges: [{kind: prompt, model: big-teacher}]
            arms: [reconstructed-mix]
            """
        let error = specError(yaml)
        XCTAssertEqual(error?.path, "synthesis.generators[1]")
        XCTAssertEqual(error?.line, 3)
        let spec = try SpecParser.parse(yaml: yaml, file: "spec.yaml", knownModels: ["instruct", "big-teacher"])
        XCTAssertEqual(spec.synthesis.judges, [.prompt("big-teacher")])
    }
}

final class SpecErrorTests: XCTestCase {
    func testUnknownKeySuggestsTheNearestKey() {
        let yaml = """
            experiment: x
            synthesis:
              instructions: 100
              temprature: 0.5
            arms: [instruct]
            """
        assertSpecError(yaml, .unknownKey, line: 4, column: 3, path: "synthesis.temprature",
                        contains: ["did you mean \"temperature\"?", "allowed keys in synthesis: instructions, temperature"])
    }

    func testUnknownKeyWithoutANearKeyHasNoSuggestion() {
        let yaml = "experiment: x\narms: [instruct]\nflavour: vanilla\n"
        assertSpecError(yaml, .unknownKey, line: 3, column: 1, path: "flavour", contains: ["allowed keys: experiment, world"])
        XCTAssertFalse(specError(yaml)?.message.contains("did you mean") ?? true)
    }

    func testUnknownKeyInsideAJudge() {
        let yaml = """
            experiment: x
            synthesis:
              judges:
                - {kind: likelihood, model: instruct}
                - {kind: prompt, modle: vendor-b}
            arms: [instruct]
            """
        assertSpecError(yaml, .unknownKey, line: 5, column: 22, path: "synthesis.judges[1].modle", contains: ["did you mean \"model\"?"])
    }

    func testWrongTypeGivesTheCompilerStyleMessage() {
        let yaml = """
            experiment: x
            arms: [instruct]
            synthesis:
              temperature: hot
            """
        let error = specError(yaml)
        XCTAssertEqual(error?.description, "spec.yaml:4:16: synthesis.temperature: expected a number in 0...2, found \"hot\"")
        XCTAssertEqual(error?.errorDescription, error?.description)
        XCTAssertEqual(error?.kind, .wrongType)
    }

    func testWrongTypes() {
        assertSpecError("experiment: x\nthreads: [2]\narms: [instruct]\n", .wrongType, line: 2, column: 10, path: "threads",
                        contains: ["expected an integer in 1...64, found a list"])
        assertSpecError("experiment: x\nthreads: \"2\"\narms: [instruct]\n", .wrongType, line: 2, column: 10, path: "threads",
                        contains: ["found \"2\""])
        assertSpecError("experiment: x\ntraining:\n  batch_size: 2.5\narms: [instruct]\n", .wrongType, line: 3, column: 15,
                        path: "training.batch_size", contains: ["expected an integer in 1...1024, found 2.5"])
        assertSpecError("experiment: x\nseeds: 1\narms: [instruct]\n", .wrongType, line: 2, column: 8, path: "seeds",
                        contains: ["expected a list of 1...20 non-negative integer seeds, found 1"])
        assertSpecError("experiment: x\nmix: 0.5\narms: [instruct]\n", .wrongType, line: 2, column: 6, path: "mix",
                        contains: ["found 0.5"])
        assertSpecError("experiment: x\ntraining:\n  learning_rate: yes\narms: [instruct]\n", .wrongType, line: 3, column: 18,
                        path: "training.learning_rate", contains: ["found yes (a boolean)"])
    }

    func testOutOfRange() {
        assertSpecError("experiment: x\nthreads: 65\narms: [instruct]\n", .outOfRange, line: 2, column: 10, path: "threads",
                        contains: ["expected an integer in 1...64, found 65"])
        assertSpecError("experiment: x\narms: [instruct]\nsynthesis:\n  top_p: 0\n", .outOfRange, line: 4, column: 10,
                        path: "synthesis.top_p", contains: ["expected a number in (0, 1], found 0"])
        assertSpecError("experiment: x\narms: [instruct]\nmix:\n  general_share: 1.0\n", .outOfRange, line: 4, column: 18,
                        path: "mix.general_share", contains: ["expected a number in (0, 1), found 1.0"])
        assertSpecError("experiment: x\narms: [instruct]\ntraining:\n  warmup_fraction: 1\n", .outOfRange, line: 4, column: 20,
                        path: "training.warmup_fraction", contains: ["[0, 1)"])
        assertSpecError("experiment: x\narms: [instruct]\nsynthesis:\n  responses_per_model: 17\n", .outOfRange, line: 4,
                        column: 24, path: "synthesis.responses_per_model", contains: ["1...16"])
        assertSpecError("experiment: x\narms: [instruct]\nsynthesis: {min_score: 6}\n", .outOfRange, line: 3, column: 24,
                        path: "synthesis.min_score", contains: ["0...5"])
        assertSpecError("experiment: x\narms: [instruct]\nmix: {total: 0}\n", .outOfRange, line: 3, column: 14, path: "mix.total",
                        contains: ["expected an integer >= 1, found 0"])
        assertSpecError("experiment: x\narms: [instruct]\nmix: {interleave: sometimes}\n", .wrongType, line: 3, column: 19,
                        path: "mix.interleave", contains: ["sometimes"])
        assertSpecError("experiment: x\nseeds: [1, -2]\narms: [instruct]\n", .outOfRange, line: 2, column: 12, path: "seeds[1]",
                        contains: ["expected a non-negative integer"])
        assertSpecError("experiment: x\nseeds: []\narms: [instruct]\n", .outOfRange, line: 2, column: 8, path: "seeds",
                        contains: ["found an empty list"])
        let manySeeds = "experiment: x\nseeds: [\((0...20).map(String.init).joined(separator: ", "))]\narms: [instruct]\n"
        assertSpecError(manySeeds, .outOfRange, line: 2, column: 8, path: "seeds", contains: ["found 21 elements"])
    }

    func testMissingRequired() {
        // The whole document lacks a key: reported where the top-level mapping starts.
        assertSpecError("# a comment\n\nexperiment: x\nthreads: 2\n", .missingRequired, line: 3, column: 1, path: "arms",
                        contains: ["missing required key", "reconstructed-mix"])
        assertSpecError("threads: 2\narms: [instruct]\n", .missingRequired, line: 1, column: 1, path: "experiment")
        // Present but null: reported at the key's empty value.
        assertSpecError("experiment: x\narms:\nthreads: 2\n", .missingRequired, line: 2, column: 6, path: "arms")
        // Missing inside a list element: reported at the element.
        let judgeWithoutKind = """
            experiment: x
            synthesis:
              judges:
                - model: instruct
            arms: [instruct]
            """
        assertSpecError(judgeWithoutKind, .missingRequired, line: 4, column: 7, path: "synthesis.judges[0].kind",
                        contains: ["likelihood | prompt | verifier"])
        let promptWithoutModel = """
            experiment: x
            synthesis:
              judges:
                - {kind: likelihood, model: instruct}
                - {kind: prompt}
            arms: [instruct]
            """
        assertSpecError(promptWithoutModel, .missingRequired, line: 5, column: 7, path: "synthesis.judges[1].model",
                        contains: ["a model for a prompt judge"])
        assertSpecError("experiment: x\narms: [reconstructed-mix]\nsweep:\n  arm: reconstructed-mix\n", .missingRequired, line: 4,
                        column: 3, path: "sweep.general_shares")
        assertSpecError("", .missingRequired, line: 1, column: 1, path: "", contains: ["the spec is empty"])
        assertSpecError("- instruct\n", .wrongType, line: 1, column: 1, path: "", contains: ["found a list"])
    }

    func testBadArms() {
        let yaml = """
            experiment: x
            arms:
              - instruct
              - reconstruct-mix
            """
        assertSpecError(yaml, .invalidValue, line: 4, column: 5, path: "arms[1]",
                        contains: ["unknown arm \"reconstruct-mix\"; did you mean \"reconstructed-mix\"?", "allowed: instruct, domain-only"])
        assertSpecError("experiment: x\narms: [instruct, \"public-mix:\"]\n", .invalidValue, line: 2, column: 18, path: "arms[1]",
                        contains: ["public-mix needs a public set name after the colon"])
        // Unquoted in a block list, "public-mix:" is YAML for a one-key mapping.
        assertSpecError("experiment: x\narms:\n  - instruct\n  - public-mix:\n", .wrongType, line: 4, column: 5, path: "arms[1]",
                        contains: ["expected an arm name", "found a mapping"])
        assertSpecError("experiment: x\narms: [public-mix]\n", .invalidValue, line: 2, column: 8, path: "arms[0]",
                        contains: ["public set name"])
        assertSpecError("experiment: x\narms: [pubic-mix:publicA]\n", .invalidValue, line: 2, column: 8, path: "arms[0]",
                        contains: ["did you mean \"public-mix:publicA\"?"])
        assertSpecError("experiment: x\narms: [banana]\n", .invalidValue, line: 2, column: 8, path: "arms[0]")
        XCTAssertFalse(specError("experiment: x\narms: [banana]\n")?.message.contains("did you mean") ?? true)
        assertSpecError("experiment: x\narms: []\n", .outOfRange, line: 2, column: 7, path: "arms", contains: ["found an empty list"])
    }

    func testVerifierWithAModel() {
        let yaml = """
            experiment: x
            synthesis:
              judges:
                - {kind: likelihood, model: instruct}
                - {kind: prompt, model: vendor-b}
                - kind: verifier
                  model: instruct
            arms: [reconstructed-mix]
            """
        assertSpecError(yaml, .invalidValue, line: 7, column: 14, path: "synthesis.judges[2].model",
                        contains: ["a verifier judge takes no model", "found \"instruct\""])
    }

    func testBadJudgeKindAndModel() {
        let kind = """
            experiment: x
            synthesis:
              judges:
                - {kind: likelihood, model: instruct}
                - {kind: promt, model: vendor-b}
            arms: [instruct]
            """
        assertSpecError(kind, .invalidValue, line: 5, column: 14, path: "synthesis.judges[1].kind",
                        contains: ["expected one of likelihood | prompt | verifier | consensus | check, found \"promt\"; did you mean \"prompt\"?"])
        let model = """
            experiment: x
            synthesis:
              judges:
                - {kind: likelihood, model: vendor-d}
            arms: [instruct]
            """
        assertSpecError(model, .invalidValue, line: 4, column: 33, path: "synthesis.judges[0].model",
                        contains: ["unknown judge model \"vendor-d\"", "known models: instruct, vendor-b, vendor-c"])
    }

    func testBadEnumValuesSuggest() {
        assertSpecError("experiment: x\nworld:\n  preset: quik\narms: [instruct]\n", .invalidValue, line: 3, column: 11,
                        path: "world.preset", contains: ["expected one of quick | default | full, found \"quik\"; did you mean \"quick\"?"])
        assertSpecError("experiment: x\nevaluation: {benchmarks: [general, domian]}\narms: [instruct]\n", .invalidValue, line: 2,
                        column: 36, path: "evaluation.benchmarks[1]", contains: ["did you mean \"domain\"?"])
    }

    func testBadExperimentName() {
        assertSpecError("experiment: my experiment\narms: [instruct]\n", .invalidValue, line: 1, column: 13, path: "experiment",
                        contains: ["[A-Za-z0-9._-]{1,64}", "found \"my experiment\""])
        assertSpecError("experiment: \(String(repeating: "a", count: 65))\narms: [instruct]\n", .invalidValue, line: 1, column: 13,
                        path: "experiment")
    }

    func testYAMLSyntaxErrorsHaveFileAndLine() {
        let unclosed = """
            experiment: x
            seeds: [1, 2
            arms: [instruct]
            """
        assertSpecError(unclosed, .syntax, line: 3, column: 5, path: "", contains: ["YAML syntax error", "flow sequence"])
        let badIndent = """
            experiment: x
            arms:
              - instruct
             - domain-only
            """
        assertSpecError(badIndent, .syntax, line: 4, column: 2, path: "", contains: ["YAML syntax error"])
        assertSpecError("experiment: x\narms: [instruct]\nthreads: @2\n", .syntax, line: 3, column: 10, path: "",
                        contains: ["cannot start any token"])
        assertSpecError("experiment: x\narms: [instruct]\n---\nexperiment: y\n", .syntax, line: 3, column: 1, path: "",
                        contains: ["another document"])
        XCTAssertTrue(specError(unclosed)?.description.hasPrefix("spec.yaml:3:5: YAML syntax error") ?? false)
    }

    func testDuplicateKeysPointAtTheRepeat() {
        let yaml = """
            experiment: x
            synthesis:
              temperature: 0.5
              top_p: 0.9
              temperature: 0.7
            arms: [instruct]
            """
        assertSpecError(yaml, .duplicate, line: 5, column: 3, path: "synthesis.temperature", contains: ["first given at line 3"])
        let inJudge = """
            experiment: x
            synthesis:
              judges:
                - kind: prompt
                  model: instruct
                - kind: prompt
                  model: instruct
                  model: vendor-b
            arms: [instruct]
            """
        assertSpecError(inJudge, .duplicate, line: 8, column: 7, path: "synthesis.judges[1].model")
        // In a flow mapping the repeat cannot be located from the layout: the first occurrence is named.
        assertSpecError("experiment: x\nmix: {total: 1, total: 2}\narms: [instruct]\n", .duplicate, line: 2, column: 7, path: "",
                        contains: ["duplicate key \"total\""])
    }

    func testDuplicateSeedsArmsAndGenerators() {
        assertSpecError("experiment: x\nseeds: [1, 2, 1]\narms: [instruct]\n", .duplicate, line: 2, column: 15, path: "seeds[2]",
                        contains: ["duplicate seed 1 (already given as seeds[0])"])
        let seedsBlock = """
            experiment: x
            seeds:
              - 4
              - 5
              - 5
            arms: [instruct]
            """
        assertSpecError(seedsBlock, .duplicate, line: 5, column: 5, path: "seeds[2]")
        assertSpecError("experiment: x\narms: [instruct, domain-only, instruct]\n", .duplicate, line: 2, column: 31, path: "arms[2]",
                        contains: ["duplicate arm \"instruct\""])
        assertSpecError("experiment: x\narms: [public-mix:publicA, public-mix:publicA]\n", .duplicate, line: 2, column: 28,
                        path: "arms[1]")
        assertSpecError("experiment: x\nsynthesis:\n  generators: [instruct, instruct]\narms: [instruct]\n", .duplicate, line: 3,
                        column: 26, path: "synthesis.generators[1]")
        assertSpecError("experiment: x\nsynthesis:\n  judges: [{kind: verifier}, {kind: verifier}]\narms: [instruct]\n", .duplicate,
                        line: 3, column: 30, path: "synthesis.judges[1]")
        assertSpecError("experiment: x\narms: [reconstructed-mix]\nsweep: {arm: reconstructed-mix, general_shares: [0.5, 0.50]}\n",
                        .duplicate, line: 3, column: 55, path: "sweep.general_shares[1]")
        // Distinct shares that name the same arm (reconstructed-mix@0.50) are refused before any run.
        assertSpecError("experiment: x\narms: [reconstructed-mix]\nsweep: {arm: reconstructed-mix, general_shares: [0.501, 0.502]}\n",
                        .duplicate, line: 3, column: 57, path: "sweep.general_shares[1]",
                        contains: ["both name the arm \"reconstructed-mix@0.50\"", "differ at the second decimal"])
    }

    func testCrossFieldChecks() {
        assertSpecError("experiment: x\nsynthesis:\n  min_chars: 50\n  max_chars: 40\narms: [instruct]\n", .inconsistent, line: 4,
                        column: 14, path: "synthesis.max_chars", contains: ["must be >= min_chars (50), found 40"])
        assertSpecError("experiment: x\nsynthesis:\n  min_chars: 500\narms: [instruct]\n", .inconsistent, line: 3, column: 14,
                        path: "synthesis.min_chars", contains: ["must be <= max_chars (400, the default)"])
        assertSpecError("experiment: x\nsynthesis:\n  generators: [instruct, vendor-d]\narms: [instruct]\n", .invalidValue, line: 3,
                        column: 26, path: "synthesis.generators[1]", contains: ["unknown model \"vendor-d\"; did you mean \"vendor-b\"?"])
        let sweepInstruct = "experiment: x\narms: [instruct, reconstructed-mix]\nsweep:\n  arm: instruct\n  general_shares: [0.5]\n"
        assertSpecError(sweepInstruct, .invalidValue, line: 4, column: 8, path: "sweep.arm",
                        contains: ["only a mix arm can be swept", "arms listed: reconstructed-mix"])
        let sweepNotListed = "experiment: x\narms: [instruct, public-mix:publicA]\nsweep:\n  arm: reconstructed-mix\n  general_shares: [0.5]\n"
        assertSpecError(sweepNotListed, .inconsistent, line: 4, column: 8, path: "sweep.arm",
                        contains: ["must be one of the experiment's arms", "public-mix:publicA"])
        assertSpecError("experiment: x\narms: [oracle-replay]\nsweep: {arm: oracle-replay, general_shares: [0.5, 1]}\n", .outOfRange,
                        line: 3, column: 51, path: "sweep.general_shares[1]", contains: ["(0, 1)"])
    }

    func testLoadNamesThePath() throws {
        let missing = "/nonexistent/dir/spec.yaml"
        XCTAssertThrowsError(try SpecParser.load(path: missing)) { error in
            let specError = error as? SpecError
            XCTAssertEqual(specError?.kind, .fileNotFound)
            XCTAssertEqual(specError?.description, "/nonexistent/dir/spec.yaml: no such spec file")
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("retain-spec-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let latin1 = directory.appendingPathComponent("latin1.yaml")
        try Data("experiment: x\narms: [instruct]\n# caf".utf8 + [0xE9, 0x0A]).write(to: latin1)
        XCTAssertThrowsError(try SpecParser.load(path: latin1.path)) { error in
            let specError = error as? SpecError
            XCTAssertEqual(specError?.kind, .notUTF8)
            XCTAssertEqual(specError?.file, latin1.path)
            XCTAssertEqual(specError?.line, 3)
            XCTAssertTrue(specError?.description.hasPrefix("\(latin1.path):3:6: the spec file is not valid UTF-8") ?? false,
                          "\(String(describing: specError))")
        }
        let bad = directory.appendingPathComponent("bad.yaml")
        try "experiment: x\narms: [instruct]\nthreads: 0\n".write(to: bad, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try SpecParser.load(path: bad.path)) { error in
            XCTAssertEqual("\(error)", "\(bad.path):3:10: threads: expected an integer in 1...64, found 0")
        }
        // A leading byte-order mark is dropped: the spec parses, and positions on line 1 do not move.
        let bom = directory.appendingPathComponent("bom.yaml")
        try Data([0xEF, 0xBB, 0xBF] + Array("experiment: x\narms: [instruct]\n".utf8)).write(to: bom)
        XCTAssertEqual(try SpecParser.load(path: bom.path), try SpecParser.parse(yaml: "experiment: x\narms: [instruct]\n"))
        try Data([0xEF, 0xBB, 0xBF] + Array("experimnt: x\narms: [instruct]\n".utf8)).write(to: bom)
        XCTAssertThrowsError(try SpecParser.load(path: bom.path)) { error in
            XCTAssertEqual((error as? SpecError)?.line, 1)
            XCTAssertEqual((error as? SpecError)?.column, 1)
        }
    }
}

final class ArmTests: XCTestCase {
    func testNamesRoundTrip() throws {
        let arms = SpecExampleTests.everyArm + [.publicMix("x.y_z-1")]
        for arm in arms {
            XCTAssertEqual(try Arm(parsing: arm.name), arm)
            XCTAssertEqual(arm.description, arm.name)
        }
        XCTAssertEqual(arms.map(\.name), [
            "instruct", "domain-only", "public-mix:publicA", "public-mix:publicB", "public-mix:publicC", "reconstructed-mix",
            "oracle-replay", "one-model-one-response", "one-model-three-self-judged", "public-mix:x.y_z-1",
        ])
        let json = try JSONEncoder().encode(arms)
        XCTAssertEqual(String(decoding: json, as: UTF8.self).hasPrefix("[\"instruct\",\"domain-only\",\"public-mix:publicA\""), true)
        XCTAssertEqual(try JSONDecoder().decode([Arm].self, from: json), arms)
    }

    func testParsingRejectsBadNames() {
        for bad in ["", "Instruct", "public-mix:", "public-mix", "public-mix:a b", "domain_only "] {
            XCTAssertThrowsError(try Arm(parsing: bad), bad) { error in
                XCTAssertEqual((error as? SpecError)?.kind, .invalidValue)
            }
        }
        XCTAssertThrowsError(try Arm(parsing: "domain_only")) { error in
            XCTAssertTrue("\(error)".hasPrefix("arm: unknown arm \"domain_only\"; did you mean \"domain-only\"?"), "\(error)")
        }
        XCTAssertThrowsError(try JSONDecoder().decode([Arm].self, from: Data("[\"oracle\"]".utf8)))
    }

    func testHelpers() {
        XCTAssertEqual(SpecExampleTests.everyArm.filter(\.isMix).map(\.name), [
            "public-mix:publicA", "public-mix:publicB", "public-mix:publicC", "reconstructed-mix", "oracle-replay",
            "one-model-one-response", "one-model-three-self-judged",
        ])
        XCTAssertEqual(SpecExampleTests.everyArm.filter(\.needsSynthesis),
                       [.reconstructedMix, .oneModelOneResponse, .oneModelThreeSelfJudged])
        XCTAssertEqual(SpecExampleTests.everyArm.filter { !$0.isFineTuned }, [.instruct])
        XCTAssertEqual(try Arm(parsing: "domain-only-repeated"), .domainOnlyRepeated)
        XCTAssertFalse(Arm.domainOnlyRepeated.isMix)
        XCTAssertFalse(Arm.domainOnlyRepeated.needsSynthesis)
        XCTAssertTrue(Arm.domainOnlyRepeated.isFineTuned)
        XCTAssertEqual(Arm.publicMix("publicB").publicSet, "publicB")
        XCTAssertNil(Arm.oracleReplay.publicSet)
    }

    func testEditDistance() {
        XCTAssertEqual(EditDistance.distance("temprature", "temperature"), 1)
        XCTAssertEqual(EditDistance.distance("", "abc"), 3)
        XCTAssertEqual(EditDistance.distance("kitten", "sitting"), 3)
        XCTAssertEqual(EditDistance.suggestion(for: "top-p", among: ["top_p", "max_tokens"]), "top_p")
        XCTAssertNil(EditDistance.suggestion(for: "kitten", among: ["sitting"]))
    }
}

final class SpecHashTests: XCTestCase {
    func testSameMeaningSameHash() throws {
        let compact = """
            experiment: same
            arms: [instruct, reconstructed-mix]
            seeds: [2, 1]
            synthesis: {judges: [{model: instruct, kind: prompt}, {kind: verifier}], temperature: 1.0, min_score: 0}
            training: {learning_rate: 1.0e-3}
            evaluation: {benchmarks: [domain, general]}
            sweep: {general_shares: [0.9, 0.5], arm: reconstructed-mix}
            """
        let spelledOut = """
            # The same experiment, block style, other key order, comments, defaults written out.
            sweep:
                arm:   reconstructed-mix     # the method
                general_shares:
                    - 0.5
                    - 0.9
            seeds:
              - 1
              - 2
            experiment: "same"
            threads: 2
            world: {seed: 1, preset: quick}
            training:
              learning_rate: 0.001
              epochs: 1.0
            synthesis:
              temperature: 1
              judges:
                - kind: prompt
                  model: instruct
                - kind: verifier
              generators: [instruct, vendor-b, vendor-c]
            mix:
              total: null
            arms:
              - instruct
              - reconstructed-mix
            """
        let a = try SpecParser.parse(yaml: compact, file: "a.yaml")
        let b = try SpecParser.parse(yaml: spelledOut, file: "b.yaml")
        XCTAssertEqual(a, b)
        XCTAssertEqual(try a.canonicalJSON(), try b.canonicalJSON())
        XCTAssertEqual(try a.contentHash(), try b.contentHash())
        XCTAssertEqual(try a.contentHash(), try ContentHash.of(a))
        XCTAssertEqual(try a.contentHash().count, 16)

        // A different meaning gives a different hash.
        let other = try SpecParser.parse(yaml: compact.replacingOccurrences(of: "seeds: [2, 1]", with: "seeds: [2, 3]"), file: "c.yaml")
        XCTAssertNotEqual(try other.contentHash(), try a.contentHash())
        let reordered = try SpecParser.parse(yaml: compact.replacingOccurrences(of: "[instruct, reconstructed-mix]",
                                                                                with: "[reconstructed-mix, instruct]"), file: "d.yaml")
        XCTAssertNotEqual(try reordered.contentHash(), try a.contentHash(), "arm order is report order, so it is part of the meaning")
    }

    func testCanonicalJSONUsesTheYAMLSpellings() throws {
        let spec = ExperimentSpec(experiment: "x", arms: [.publicMix("publicA")])
        let json = try spec.canonicalJSON()
        for key in ["\"general_share\":0.83", "\"top_p\":0.98", "\"arms\":[\"public-mix:publicA\"]", "\"preset\":\"quick\"",
                    "\"user_token_weight\":0"] {
            XCTAssertTrue(json.contains(key), "\(key) not in \(json)")
        }
        XCTAssertFalse(json.contains("min_score"), "absent optionals are omitted")
        XCTAssertEqual(try JSONDecoder().decode(ExperimentSpec.self, from: Data(json.utf8)), spec)
    }

    func testCanonicalYAMLParsesBackToTheSameSpec() throws {
        for name in ["quick.yaml", "default.yaml"] {
            let spec = try SpecParser.load(path: SpecExampleTests.examples.appendingPathComponent(name).path)
            let again = try SpecParser.parse(yaml: spec.canonicalYAML, file: "canonical.yaml")
            XCTAssertEqual(again, spec)
            XCTAssertEqual(again.canonicalYAML, spec.canonicalYAML)
        }
        var custom = ExperimentSpec(experiment: "123", arms: [.oneModelThreeSelfJudged])
        custom.synthesis.judges = [.prompt("vendor-c"), .verifier]
        custom.synthesis.minScore = 2.5
        custom.mix.total = 5000
        custom.training.learningRate = 2e-5
        let again = try SpecParser.parse(yaml: custom.canonicalYAML, file: "canonical.yaml")
        XCTAssertEqual(again, custom)
        XCTAssertTrue(custom.canonicalYAML.hasPrefix("experiment: \"123\"\n"), custom.canonicalYAML)
    }
}

final class JudgeSetSpecTests: XCTestCase {
    static let yaml = """
        experiment: x
        synthesis:
          judges: [{kind: likelihood, model: instruct}]
          judge_sets:
            consensus-only: [{kind: consensus}]
            with.check:
              - {kind: likelihood, model: instruct}
              - {kind: check, model: vendor-b}
              - {kind: consensus}
            verifier: [{kind: verifier}]
        arms: [instruct, reconstructed-mix, judge-set:consensus-only, judge-set:verifier]
        sweep: {arm: judge-set:verifier, general_shares: [0.5]}
        """

    func testJudgeSetsAndTheirArmsParse() throws {
        let spec = try SpecParser.parse(yaml: Self.yaml, file: "spec.yaml")
        XCTAssertEqual(spec.synthesis.judgeSets, [
            "consensus-only": [.consensus],
            "with.check": [.likelihood("instruct"), .check("vendor-b"), .consensus],
            "verifier": [.verifier],
        ])
        XCTAssertEqual(spec.arms, [.instruct, .reconstructedMix, .judgeSet("consensus-only"), .judgeSet("verifier")])
        XCTAssertEqual(spec.sweep?.arm, .judgeSet("verifier"))
        XCTAssertEqual(spec.synthesis.judges, [.likelihood("instruct")], "judge sets leave the committee alone")

        // Canonical forms carry the sets; parsing the canonical YAML gives the same spec.
        XCTAssertTrue(try spec.canonicalJSON().contains("\"judge_sets\":{\"consensus-only\":[{\"kind\":\"consensus\"}]"))
        XCTAssertTrue(spec.canonicalYAML.contains("""
              judge_sets:
                consensus-only:
                  - {kind: consensus}
                verifier:
                  - {kind: verifier}
                with.check:
                  - {kind: likelihood, model: instruct}
                  - {kind: check, model: vendor-b}
            """), spec.canonicalYAML)
        XCTAssertEqual(try SpecParser.parse(yaml: spec.canonicalYAML, file: "canonical.yaml"), spec)
        XCTAssertEqual(try JSONDecoder().decode(ExperimentSpec.self, from: Data(try spec.canonicalJSON().utf8)), spec)
    }

    func testNoJudgeSetsLeaveTheSpecAsBefore() throws {
        let plain = try SpecParser.parse(yaml: "experiment: x\narms: [reconstructed-mix]\n", file: "spec.yaml")
        let empty = try SpecParser.parse(yaml: "experiment: x\nsynthesis: {judge_sets: {}}\narms: [reconstructed-mix]\n", file: "spec.yaml")
        let null = try SpecParser.parse(yaml: "experiment: x\nsynthesis: {judge_sets: null}\narms: [reconstructed-mix]\n", file: "spec.yaml")
        XCTAssertEqual(plain, empty)
        XCTAssertEqual(plain, null)
        XCTAssertEqual(plain, ExperimentSpec(experiment: "x", arms: [.reconstructedMix]))
        // Absent from the canonical JSON, so the content hash of a spec without judge sets is what
        // it was before they existed.
        XCTAssertFalse(try plain.canonicalJSON().contains("judge_sets"))
        var spec = plain
        spec.synthesis.judgeSets = [:]
        XCTAssertEqual(try spec.contentHash(), try plain.contentHash())
        XCTAssertTrue(plain.canonicalYAML.contains("  judge_sets: {}\n"))
        XCTAssertEqual(try SpecParser.parse(yaml: plain.canonicalYAML, file: "canonical.yaml"), plain)
    }

    func testJudgeSetErrorsArePositioned() {
        let unknown = "experiment: x\nsynthesis:\n  judge_sets:\n    consensus-only: [{kind: consensus}]\narms: [instruct, judge-set:consenus-only]\n"
        assertSpecError(unknown, .inconsistent, line: 5, column: 18, path: "arms[1]",
                        contains: ["unknown judge set \"consenus-only\"; did you mean \"judge-set:consensus-only\"?",
                                   "(synthesis.judge_sets declares: consensus-only)"])
        assertSpecError("experiment: x\narms: [judge-set:a]\n", .inconsistent, line: 2, column: 8, path: "arms[0]",
                        contains: ["unknown judge set \"a\" (synthesis.judge_sets declares none)"])
        func set(_ line: String) -> String { "experiment: x\nsynthesis:\n  judge_sets:\n    \(line)\narms: [instruct]\n" }
        assertSpecError(set("empty: []"), .outOfRange, line: 4, column: 12, path: "synthesis.judge_sets.empty",
                        contains: ["expected a list of at least 1 judges, found an empty list"])
        assertSpecError(set("a: ~"), .missingRequired, line: 4, column: 8, path: "synthesis.judge_sets.a",
                        contains: ["expected a non-empty list of judges"])
        assertSpecError(set("a: [{kind: check}]"), .missingRequired, line: 4, column: 9, path: "synthesis.judge_sets.a[0].model",
                        contains: ["a model for a check judge"])
        assertSpecError(set("a: [{kind: consensus}, {kind: consensus}]"), .duplicate, line: 4, column: 28,
                        path: "synthesis.judge_sets.a[1]", contains: ["duplicate judge {consensus}"])
        assertSpecError(set("a: [{kind: consensu}]"), .invalidValue, line: 4, column: 16, path: "synthesis.judge_sets.a[0].kind",
                        contains: ["did you mean \"consensus\"?"])
        assertSpecError(set("\"bad name\": [{kind: consensus}]"), .invalidValue, line: 4, column: 5,
                        path: "synthesis.judge_sets.bad name", contains: ["judge set name must match [A-Za-z0-9._-]{1,64}, found \"bad name\""])
        assertSpecError("experiment: x\nsynthesis:\n  judge_sets: [{kind: consensus}]\narms: [instruct]\n", .wrongType, line: 3,
                        column: 15, path: "synthesis.judge_sets", contains: ["expected a mapping from judge set names to lists of judges"])
        let consensusModel = """
            experiment: x
            synthesis:
              judge_sets:
                a:
                  - {kind: consensus, model: instruct}
            arms: [instruct]
            """
        assertSpecError(consensusModel, .invalidValue, line: 5, column: 34, path: "synthesis.judge_sets.a[0].model",
                        contains: ["a consensus judge takes no model (it compares the responses' answers with each other), found \"instruct\""])
        // The same rule in synthesis.judges.
        assertSpecError("experiment: x\nsynthesis:\n  judges: [{kind: consensus, model: vendor-b}]\narms: [instruct]\n", .invalidValue,
                        line: 3, column: 37, path: "synthesis.judges[0].model", contains: ["a consensus judge takes no model"])
    }

    func testJudgeSetArmSpellings() throws {
        XCTAssertEqual(try Arm(parsing: "judge-set:a.b_c-1"), .judgeSet("a.b_c-1"))
        XCTAssertEqual(Arm.judgeSet("v").name, "judge-set:v")
        XCTAssertEqual(Arm.judgeSet("v").judgeSet, "v")
        XCTAssertNil(Arm.reconstructedMix.judgeSet)
        XCTAssertTrue(Arm.judgeSet("v").isMix)
        XCTAssertTrue(Arm.judgeSet("v").needsSynthesis)
        XCTAssertTrue(Arm.judgeSet("v").isFineTuned)
        XCTAssertTrue(ExperimentSpec(experiment: "x", arms: [.instruct, .judgeSet("v")]).needsSynthesis)
        XCTAssertTrue(Arm.allowedSpellings.contains("judge-set:<name>"))
        for (bad, fragment) in [("judge-set:", "judge-set needs a judge set name after the colon (e.g. judge-set:likelihood-only)"),
                                ("judge-set", "judge-set needs a judge set name after a colon"),
                                ("judge-set:a b", "judge set name must match"),
                                ("judg-set:x", "did you mean \"judge-set:x\"?"),
                                ("judge-sets", "did you mean \"judge-set:<name>\"?")] {
            XCTAssertThrowsError(try Arm(parsing: bad), bad) { error in
                XCTAssertTrue("\(error)".contains(fragment), "\(error)")
            }
        }
    }
}
