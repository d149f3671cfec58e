import pytest

from vtdata.train.tokenizer import CaptionTokenizer

CAPTIONS = ["a red disc moves left", "a blue square moves right", "A green square moves up."]


def test_word_tokenizer_pads_with_zero_and_starts_with_cls():
    tok = CaptionTokenizer.train(CAPTIONS, context_length=8)
    ids = tok(["a red disc moves left", "blue"])
    assert ids.shape == (2, 6)
    assert ids[:, 0].tolist() == [2, 2]
    assert ids[1, 2:].tolist() == [0, 0, 0, 0]
    assert ids[0, 1:].min() > 2  # real words come after the specials


def test_unknown_words_and_case():
    tok = CaptionTokenizer.train(CAPTIONS)
    assert tok(["A RED disc"]).tolist() == tok(["a red disc"]).tolist()
    assert tok(["a purple disc"])[0, 2].item() == 1  # [UNK]


def test_truncation_to_context_length():
    tok = CaptionTokenizer.train(CAPTIONS, context_length=4)
    assert tok(["a red disc moves left"]).shape == (1, 4)


def test_round_trip_through_a_dict():
    tok = CaptionTokenizer.train(CAPTIONS, kind="bpe", vocab_size=60)
    again = CaptionTokenizer.from_dict(tok.to_dict())
    assert again(CAPTIONS).tolist() == tok(CAPTIONS).tolist()
    assert again.vocab_size == tok.vocab_size


def test_unknown_kind():
    with pytest.raises(ValueError, match="word"):
        CaptionTokenizer.train(CAPTIONS, kind="chars")
