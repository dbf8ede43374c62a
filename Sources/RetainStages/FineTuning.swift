import RetainCore

/// Stage 6: supervised fine-tuning of the instruct model on a mix. The trainer saves the result in
/// `directory`; the returned model is the fine-tuned one.
public enum FineTuning {
    public static func run(trainer: any Trainer, base: any LanguageModel, mix: [Conversation], settings: FineTuneSettings,
                           directory: String, progress: ((TrainerProgress) -> Void)? = nil) throws -> any LanguageModel {
        guard !mix.isEmpty else { throw StageError.invalidInput("the training mix is empty") }
        return try trainer.finetune(base, on: mix, settings: settings, saveTo: directory, progress: progress)
    }
}
