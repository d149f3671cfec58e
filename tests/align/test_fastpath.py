"""The one-pass WebVTT and SRT readers give exactly the general paths' answers, or decline.

Compared on every caption text the test suite holds (string literals with a timing arrow in
tests/), on synthetic YouTube captions of both styles, on the real files (skipped where absent),
and on generated cue files that mix the common shape with what only the general path may read.
"""

from __future__ import annotations

import ast
import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vtdata.align.fastpath import parse_srt_fast, parse_vtt_fast
from vtdata.align.records import TimedTextError
from vtdata.align.srt import parse_srt, parse_srt_general
from vtdata.align.vtt import parse_vtt, parse_vtt_general
from vtdata.synthetic.captions import youtube_autocaption_vtt

TESTS = Path(__file__).resolve().parents[1]


def _outcome(parse, text: str):
    try:
        return parse(text, "t.vtt")
    except TimedTextError as e:
        return ("error", str(e))


def assert_same(text: str) -> bool:
    """Fast and general agree (when fast answers), and parse_vtt equals the general path."""
    general = _outcome(parse_vtt_general, text)
    fast = parse_vtt_fast(text, "t.vtt")
    if fast is not None:
        assert fast == general
    assert _outcome(parse_vtt, text) == general
    return fast is not None


def assert_same_srt(text: str) -> bool:
    general = parse_srt_general(text, "t.srt")
    fast = parse_srt_fast(text, "t.srt")
    if fast is not None:
        assert fast == general
    assert parse_srt(text, "t.srt") == general
    return fast is not None


def _test_texts() -> list[str]:
    texts = []
    for path in sorted(TESTS.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and "-->" in node.value:
                texts.append(node.value)
    return texts


def _words(n: int, seed: int) -> list[tuple[float, float, str]]:
    """`n` words at random times (pauses included, so lines break on time as well as length)."""
    rng = random.Random(seed)
    vocab = "so we cut the onion in half and then slice it thin okay".split()
    starts = sorted(round(rng.uniform(0.0, 0.45 * n), 3) for _ in range(n))
    return [(t, t + 0.2, rng.choice(vocab)) for t in starts]


def test_every_caption_text_in_the_tests():
    texts = _test_texts()
    assert len(texts) >= 20  # the suite's own WebVTT/SRT snippets
    served = [assert_same(t if t.lstrip("\ufeff").startswith("WEBVTT") else "WEBVTT\n\n" + t) for t in texts]
    assert any(served) and not all(served)  # both paths are exercised
    served = [assert_same_srt(t) for t in texts if not t.lstrip("\ufeff").startswith("WEBVTT")]
    assert any(served) and not all(served)


@pytest.mark.parametrize("style", ["new", "old"])
@pytest.mark.parametrize("seed", range(4))
def test_synthetic_youtube_captions_take_the_fast_path(style, seed):
    text = youtube_autocaption_vtt(_words(300, seed), style=style)
    assert assert_same(text)
    assert assert_same(text.replace("\n", "\r\n"))
    # YouTube files whose padding rows were stripped need the repair: the general path
    assert not assert_same(text.replace("\n \n", "\n\n"))


def test_real_files(real):
    files = sorted(p for p in real.iterdir() if p.suffix in (".vtt", ".srt"))
    assert files
    for path in files:
        text = path.read_bytes().decode("utf-8")
        assert_same(text) if path.suffix == ".vtt" else assert_same_srt(text)


def _timestamp(ms: int, form: str) -> str:
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, f = divmod(rest, 1000)
    return {
        "strict": f"{h:02d}:{m:02d}:{s:02d}.{f:03d}",
        "comma": f"{h:02d}:{m:02d}:{s:02d},{f:03d}",
        "short": f"{m}:{s:02d}.{f:03d}",
        "hours3": f"{h:03d}:{m:02d}:{s:02d}.{f:03d}",
        "bad": f"{h:02d}:{m:02d}:{s + 60:02d}.{f:03d}",
    }[form]


_TEXT = st.sampled_from(
    ["hello", " ", "  ", "we<00:00:01.500><c> cut</c>", "<c.colorE5E5E5>so</c>", "- Hola.", "a --> b",
     "NOTE inside", "1", "STYLE", "&gt;&gt; yes"]
)


@st.composite
def _cue(draw, common: bool) -> list[str]:
    start = draw(st.integers(0, 10_000_000))
    end = start + draw(st.integers(-500 if not common else 0, 5000))
    forms = ["strict"] if common else ["strict", "strict", "comma", "short", "hours3", "bad"]
    form = st.sampled_from(forms)
    timing = f"{_timestamp(start, draw(form))} --> {_timestamp(end, draw(form))}"
    timing += draw(st.sampled_from(["", " position:0%", " align:start line:0", "\t"]))
    if not common and draw(st.booleans()):
        timing = " " + timing
    ident = [draw(st.sampled_from(["1", "intro", " "]))] if draw(st.booleans()) else []
    text = draw(st.lists(_TEXT.filter(lambda t: not common or "-->" not in t), max_size=3))
    return ident + [timing] + text


@st.composite
def cue_files(draw, common: bool = False) -> str:
    header = ["WEBVTT" + draw(st.sampled_from(["", " - title"]))]
    metadata = st.sampled_from(["Kind: captions", "Language: en", "Style:", " }", "##"])
    header += draw(st.lists(metadata, max_size=3))
    blocks = [header]
    for _ in range(draw(st.integers(1 if common else 0, 6))):
        kind = "cue" if common else draw(st.sampled_from(["cue", "cue", "cue", "note", "style", "stray"]))
        if kind == "cue":
            blocks.append(draw(_cue(common)))
        elif kind == "note":
            blocks.append(["NOTE a comment", "more"])
        elif kind == "style":
            blocks.append(["STYLE", "::cue { color: red }"])
        else:
            blocks.append(draw(st.lists(_TEXT, min_size=1, max_size=2)))
    lines = blocks[0]
    for block in blocks[1:]:
        lines = lines + [""] * draw(st.integers(1 if common else 0, 2)) + block
    eol = draw(st.sampled_from(["\n", "\r\n"] + ([] if common else ["\r"])))
    return eol.join(lines) + eol * draw(st.integers(0, 2))


@settings(max_examples=400, deadline=None)
@given(cue_files())
def test_generated_files_read_the_same_on_both_paths(text):
    assert_same(text)


@settings(max_examples=200, deadline=None)
@given(cue_files(common=True))
def test_generated_common_files_take_the_fast_path(text):
    assert assert_same(text)


@st.composite
def srt_files(draw, common: bool = False) -> str:
    blocks = []
    for k in range(draw(st.integers(1 if common else 0, 6))):
        start = draw(st.integers(0, 10_000_000))
        end = start + draw(st.integers(0 if common else -500, 5000))
        forms = ["comma"] if common else ["comma", "comma", "strict", "short", "bad"]
        form = st.sampled_from(forms)
        timing = f"{_timestamp(start, draw(form))} --> {_timestamp(end, draw(form))}"
        if not common:
            timing += draw(st.sampled_from(["", "", " X1:10", " "]))
        index = [str(k + 1)] if common or draw(st.booleans()) else []
        pool = _TEXT.filter(lambda t: "-->" not in t) if common else _TEXT | st.just("")
        text = draw(st.lists(pool, min_size=1 if common else 0, max_size=3))
        if common:  # whitespace-only rows split an SRT cue: the general path reports them
            text = [t for t in text if t.strip()] or ["hi"]
        blocks.append(index + [timing] + text)
    lines = []
    for block in blocks:
        lines += block + [""] * draw(st.integers(1 if common else 0, 1 if common else 2))
    eol = draw(st.sampled_from(["\n", "\r\n"] + ([] if common else ["\r"])))
    return draw(st.sampled_from(["", "\ufeff"])) + eol.join(lines)


@settings(max_examples=400, deadline=None)
@given(srt_files())
def test_generated_srt_files_read_the_same_on_both_paths(text):
    assert_same_srt(text)


@settings(max_examples=200, deadline=None)
@given(srt_files(common=True))
def test_generated_common_srt_files_take_the_fast_path(text):
    assert assert_same_srt(text)
