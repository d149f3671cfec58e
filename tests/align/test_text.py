from hypothesis import given
from hypothesis import strategies as st

from vtdata.align.records import Word
from vtdata.align.text import (
    ANNOTATION_ONLY,
    EMPTY,
    NO_LETTERS,
    clean_text,
    clean_words,
    garbage_reason,
    strip_markup,
)


def test_markup_entities_and_annotations():
    assert strip_markup("<c.colorE5E5E5>a</c><00:00:01.000><c> b</c> &amp; &gt;&gt;") == "a b & >>"
    assert clean_text("[Alba] <i>En 1928,</i>") == ("En 1928,", True)
    assert clean_text("- Hola.\n- Adiós.") == ("Hola. Adiós.", False)
    assert clean_text("&gt;&gt; so [ __ ] yes ♪") == ("so yes", True)
    assert clean_text('{\\an8}<font color="#fff">top</font>') == ("top", False)
    assert clean_text("hello[Music]world") == ("hello world", True)


def test_garbage_reasons():
    assert garbage_reason(*clean_text("[Music]")) == ANNOTATION_ONLY
    assert garbage_reason(*clean_text("  \n ")) == EMPTY
    assert garbage_reason(*clean_text("... ?!")) == NO_LETTERS
    assert garbage_reason(*clean_text("♪ ♪")) == EMPTY
    assert garbage_reason(*clean_text("ok [Music]")) is None


def test_clean_words_keeps_times_and_spans_annotations():
    words = [
        Word(0.0, "so"),
        Word(0.5, "["),
        Word(0.7, "__"),
        Word(0.9, "]"),
        Word(1.0, "&gt;&gt;"),
        Word(1.2, "yes"),
    ]
    assert clean_words(words) == ([Word(0.0, "so"), Word(1.2, "yes")], True)


TOKENS = st.sampled_from(
    ["a", "word", "[Music]", "[", "]", "__", ">>", "-", "♪", "<i>x</i>", "&amp;", "ok.", "[x", "y]"]
)


@given(st.lists(TOKENS, max_size=12))
def test_clean_text_equals_cleaned_words_joined(tokens):
    words, had_w = clean_words([Word(float(k), t) for k, t in enumerate(tokens)])
    text, had_t = clean_text(" ".join(tokens))
    assert " ".join(w.text for w in words) == text and had_w == had_t
