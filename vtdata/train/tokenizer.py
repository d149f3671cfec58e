"""A caption tokenizer trained on the training captions (`tokenizers`), saved inside the checkpoint.

Word-level by default: captions of a pre-training corpus are short and the vocabulary of the
synthetic corpus is tiny, so words are the honest unit; `bpe` is there for real corpora with long
tails. Every sequence starts with [CLS], so even an empty caption has one token to attend to;
id 0 is padding.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Literal

import torch
from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors, trainers

PAD, UNK, CLS = "[PAD]", "[UNK]", "[CLS]"
SPECIAL_TOKENS = [PAD, UNK, CLS]  # ids 0, 1, 2


class CaptionTokenizer:
    """Text -> padded token ids [B,L] (0 = padding), at most `context_length` tokens per text."""

    def __init__(self, tokenizer: Tokenizer, context_length: int) -> None:
        self.tokenizer = tokenizer
        self.context_length = context_length
        tokenizer.enable_truncation(context_length)
        tokenizer.enable_padding(pad_id=0, pad_token=PAD)

    @classmethod
    def train(
        cls,
        captions: Iterable[str],
        kind: Literal["word", "bpe"] = "word",
        vocab_size: int = 8000,
        context_length: int = 32,
        min_frequency: int = 1,
    ) -> CaptionTokenizer:
        """Learn a vocabulary of at most `vocab_size` entries from `captions`."""
        if kind == "word":
            tok = Tokenizer(models.WordLevel(unk_token=UNK))
            trainer = trainers.WordLevelTrainer(
                vocab_size=vocab_size,
                min_frequency=min_frequency,
                special_tokens=SPECIAL_TOKENS,
                show_progress=False,
            )
        elif kind == "bpe":
            tok = Tokenizer(models.BPE(unk_token=UNK))
            trainer = trainers.BpeTrainer(
                vocab_size=vocab_size,
                min_frequency=min_frequency,
                special_tokens=SPECIAL_TOKENS,
                show_progress=False,
            )
        else:
            raise ValueError(f"tokenizer kind must be 'word' or 'bpe', not {kind!r}")
        tok.normalizer = normalizers.Sequence([normalizers.NFKC(), normalizers.Lowercase()])
        tok.pre_tokenizer = pre_tokenizers.Whitespace()
        tok.train_from_iterator(captions, trainer=trainer)
        cls_id = tok.token_to_id(CLS)
        tok.post_processor = processors.TemplateProcessing(single=f"{CLS} $A", special_tokens=[(CLS, cls_id)])
        return cls(tok, context_length)

    @property
    def vocab_size(self) -> int:
        return self.tokenizer.get_vocab_size()

    def __call__(self, texts: Sequence[str]) -> torch.Tensor:
        encodings = self.tokenizer.encode_batch(list(texts))
        return torch.tensor([e.ids for e in encodings], dtype=torch.long)

    def to_dict(self) -> dict:
        return {"tokenizer": self.tokenizer.to_str(), "context_length": self.context_length}

    @classmethod
    def from_dict(cls, state: dict) -> CaptionTokenizer:
        return cls(Tokenizer.from_str(state["tokenizer"]), int(state["context_length"]))
