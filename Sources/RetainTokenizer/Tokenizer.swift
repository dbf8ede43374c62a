// Filled in by the tokenizer work (byte-level BPE, special tokens, chat templates).
