"""Caption text cleaning: markup out, non-speech annotations out, and why a text is unusable.

`clean_text` and `clean_words` apply the same rules, so a cue's text always equals its
cleaned words joined by spaces:

- markup tags (`<i>`, `<c.colorE5E5E5>`, `<00:00:01.234>`, `<font ...>`) and SSA overrides
  (`{\\an8}`) are removed, HTML entities decoded (`&gt;&gt;` -> `>>`, `&amp;` -> `&`);
- bracketed annotations are removed: `[Music]`, `[Applause]`, `[ __ ]` (YouTube's censored
  word), `[Alba]` (a speaker label); so are music notes and `>>` speaker-change marks;
- a dash standing alone (a dialogue dash, `- Hola.`) is removed, line breaks become spaces and
  runs of whitespace one space.
"""

from __future__ import annotations

import html
import re

from vtdata.align.records import Word

TIMING_TAG = re.compile(r"<((?:\d+:)?\d{1,2}:\d{1,2}[.,]\d{1,3})>")
_TAG = re.compile(r"</?[A-Za-z][^<>]*>|<\d[\d:.,]*>|</?>")
_SSA = re.compile(r"\{\\[^{}]*\}")
_BRACKET = re.compile(r"([\[\]])")
# music notes, `>>` speaker changes, and dashes standing alone (dialogue dashes)
_NOISE = re.compile(r"[♪♫♬]+|(?<!\S)(?:>>+|[-‐–—]+)(?!\S)")
_SPACE = re.compile(r"\s+")

EMPTY = "empty_text"
ANNOTATION_ONLY = "annotation_only"
NO_LETTERS = "no_letters"


def strip_markup(text: str) -> str:
    """Text without tags and SSA overrides, entities decoded; line breaks kept."""
    if "<" in text:
        text = _TAG.sub("", text)
    if "{" in text:
        text = _SSA.sub("", text)
    return html.unescape(text) if "&" in text else text


def _unbracketed(text: str, depth: int) -> tuple[str, int, bool]:
    """Text outside `[...]` (nesting carried in `depth` from word to word), and whether any was cut."""
    if "[" not in text and "]" not in text and depth == 0:
        return text, 0, False
    kept = []
    for part in _BRACKET.split(text):
        if part == "[":
            depth += 1
        elif part == "]":
            depth = max(depth - 1, 0)
        elif depth == 0:
            kept.append(part)
    return " ".join(kept), depth, True


def _squash(text: str) -> str:
    return _SPACE.sub(" ", _NOISE.sub(" ", text)).strip()


def clean_text(text: str) -> tuple[str, bool]:
    """`(clean, had_annotation)`: see the module docstring for the rules."""
    text, _, had_annotation = _unbracketed(strip_markup(text), 0)
    return _squash(text), had_annotation


def clean_words(words: list[Word]) -> tuple[list[Word], bool]:
    """The same rules word by word; an annotation may span words (`[`, `__`, `]`)."""
    out: list[Word] = []
    had_annotation = False
    depth = 0
    for word in words:
        text, depth, cut = _unbracketed(strip_markup(word.text), depth)
        had_annotation |= cut
        text = _squash(text)
        if text:
            out.extend(Word(word.start, t) for t in text.split(" "))
    return out, had_annotation


def garbage_reason(text: str, had_annotation: bool = False) -> str | None:
    """Why a cleaned text cannot be a caption, or None when it can."""
    if not text:
        return ANNOTATION_ONLY if had_annotation else EMPTY
    if not any(ch.isalpha() for ch in text):
        return NO_LETTERS
    return None
