"""XML timed text: TTML (DFXP) and YouTube's srv1, srv2 and srv3, which yt-dlp hands over when a
video has no WebVTT (`subtitlesformat="vtt/best"`).

The root element says which: `<tt>` is TTML, `<transcript>` srv1, `<timedtext>` srv2 (`<text>`
elements) or srv3 (`<p>` elements). Per format:

- TTML: `<p begin end|dur>` with `<br/>` line breaks and `<span>` text; times are clock times
  (`00:00:01.500`, `00:00:01:12` with `ttp:frameRate`) or offsets (`1.5s`, `1500ms`, `90f`,
  `15000000t` with `ttp:tickRate`), relative to the `begin` of the enclosing `<body>`/`<div>`;
- srv1: `<text start="1.5" dur="2">` in seconds; srv2: `<text t="1500" d="2000">` in ms;
- srv3: `<p t d>` in ms; its `<s t>` words (offsets in ms from the `<p>`) become WebVTT-style
  inline tags (`word<00:00:01.800><c> next</c>`), so YouTube ASR gets word times and the same
  de-duplication as its WebVTT. A `<p>` holding only whitespace is YouTube's layout (the
  `a="1"` line-appends of ASR), not a cue, and is skipped.

A cue whose times cannot be read, or end before they start, is skipped with an error naming its
line; a file that is not well-formed XML, has a DTD (entities are never expanded) or has an
unknown root element is a `TimedTextError`.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from pathlib import Path
from xml.parsers import expat

from vtdata.align.records import Issue, ParsedText, RawCue, TimedTextError
from vtdata.align.textfile import read_text
from vtdata.align.timestamps import format_timestamp

_CLOCK = re.compile(r"(\d+):(\d{2}):(\d{2})(?:\.(\d+)|:(\d+(?:\.\d+)?))?")
_OFFSET = re.compile(r"(\d+(?:\.\d+)?)(h|ms|m|s|f|t)")
_UNIT = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}


@dataclass
class Node:
    """An XML element: local tag name, attributes by local name, children (nodes and text), line."""

    tag: str
    attrs: dict[str, str]
    line: int
    children: list = field(default_factory=list)

    def text(self) -> str:
        """Its text with `<br/>` as a line break; `<`, `>`, `&` kept escaped (not read as markup)."""
        out = []
        for child in self.children:
            if isinstance(child, str):
                out.append(html.escape(child, quote=False))
            elif child.tag == "br":
                out.append("\n")
            else:
                out.append(child.text())
        return "".join(out)


class _Refused(Exception):
    pass


def parse_xml(text: str, source: str) -> Node:
    """The element tree of `text`, with line numbers; raises `TimedTextError` (see the docstring)."""
    parser = expat.ParserCreate(namespace_separator=" ")
    stack: list[Node] = []
    root: list[Node] = []

    def start(name: str, attrs: dict) -> None:
        node = Node(
            name.rsplit(" ", 1)[-1],
            {k.rsplit(" ", 1)[-1]: v for k, v in attrs.items()},
            parser.CurrentLineNumber,
        )
        (stack[-1].children if stack else root).append(node)
        stack.append(node)

    def refuse(*_args) -> None:
        raise _Refused

    parser.StartElementHandler = start
    parser.EndElementHandler = lambda name: stack.pop()
    parser.CharacterDataHandler = lambda data: stack[-1].children.append(data) if stack else None
    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    try:
        parser.Parse(text.lstrip("\ufeff"), True)
    except _Refused:
        raise TimedTextError(
            Issue(source, parser.CurrentLineNumber, "has a DTD (entities are not read); skipped")
        ) from None
    except expat.ExpatError as e:
        raise TimedTextError(
            Issue(source, e.lineno, f"is not well-formed XML ({expat.errors.messages[e.code]}); skipped")
        ) from None
    return root[0]


def _walk(node: Node, tags: tuple[str, ...]):
    for child in node.children:
        if isinstance(child, Node):
            if child.tag in tags:
                yield child
            else:
                yield from _walk(child, tags)


# --- TTML ------------------------------------------------------------------------------------


def _ttml_time(value: str, frame_rate: float, tick_rate: float) -> float:
    value = value.strip()
    m = _CLOCK.fullmatch(value)
    if m:
        h, mi, s, frac, frames = m.groups()
        if int(mi) > 59 or int(s) > 59:
            raise ValueError(f"{value!r} has minutes or seconds above 59")
        t = int(h) * 3600 + int(mi) * 60 + int(s)
        return (
            t
            + (int(frac) / 10 ** len(frac) if frac else 0.0)
            + (float(frames) / frame_rate if frames else 0.0)
        )
    m = _OFFSET.fullmatch(value)
    if m:
        n, unit = float(m.group(1)), m.group(2)
        return n / frame_rate if unit == "f" else n / tick_rate if unit == "t" else n * _UNIT[unit]
    raise ValueError(f"{value!r} is not a TTML time like 00:00:01.500 or 1.5s")


def _ttml(root: Node, source: str, issues: list[Issue]) -> list[RawCue]:
    frame_rate = float(root.attrs.get("frameRate", 30)) * _multiplier(root.attrs.get("frameRateMultiplier"))
    tick_rate = float(root.attrs.get("tickRate", frame_rate))
    cues: list[RawCue] = []

    def visit(node: Node, offset: float) -> None:
        for child in node.children:
            if not isinstance(child, Node):
                continue
            try:
                begin = (
                    offset + _ttml_time(child.attrs["begin"], frame_rate, tick_rate)
                    if "begin" in child.attrs
                    else None
                )
                if child.tag != "p":
                    visit(child, begin if begin is not None else offset)
                    continue
                if begin is None:
                    raise ValueError("no begin time")
                if "end" in child.attrs:
                    end = offset + _ttml_time(child.attrs["end"], frame_rate, tick_rate)
                elif "dur" in child.attrs:
                    end = begin + _ttml_time(child.attrs["dur"], frame_rate, tick_rate)
                else:
                    raise ValueError("no end or dur")
            except ValueError as e:
                issues.append(Issue(source, child.line, f"unreadable cue timing: {e}; cue skipped"))
                continue
            _add(cues, issues, source, child.line, begin, end, child.text().strip())

    visit(root, 0.0)
    return cues


def _multiplier(value: str | None) -> float:
    try:
        num, den = (float(x) for x in (value or "1 1").split())
        return num / den
    except (ValueError, ZeroDivisionError):
        return 1.0


# --- YouTube srv1 / srv2 / srv3 --------------------------------------------------------------


def _srv(root: Node, source: str, issues: list[Issue]) -> tuple[list[RawCue], str]:
    paragraphs = list(_walk(root, ("p",)))
    if root.tag == "timedtext" and paragraphs:
        return _srv3(paragraphs, source, issues), "srv3"
    fmt, start_key, dur_key, scale = (
        ("srv1", "start", "dur", 1.0) if root.tag == "transcript" else ("srv2", "t", "d", 0.001)
    )
    cues: list[RawCue] = []
    for node in _walk(root, ("text",)):
        try:
            start = float(node.attrs[start_key]) * scale
            end = start + float(node.attrs.get(dur_key, 0)) * scale
        except (KeyError, ValueError):
            got = {k: node.attrs.get(k) for k in (start_key, dur_key)}
            issues.append(Issue(source, node.line, f"unreadable cue timing {got}; cue skipped"))
            continue
        _add(cues, issues, source, node.line, start, end, node.text().strip())
    return cues, fmt


def _srv3(paragraphs: list[Node], source: str, issues: list[Issue]) -> list[RawCue]:
    cues: list[RawCue] = []
    for p in paragraphs:
        try:
            start = float(p.attrs["t"]) / 1000
            end = start + float(p.attrs.get("d", 0)) / 1000
        except (KeyError, ValueError):
            got = {k: p.attrs.get(k) for k in ("t", "d")}
            issues.append(Issue(source, p.line, f"unreadable cue timing {got}; cue skipped"))
            continue
        words = [c for c in p.children if isinstance(c, Node) and c.tag == "s"]
        if not words:
            text = p.text().strip()
        else:
            parts = []
            for k, s in enumerate(words):
                word = s.text()
                try:
                    t = start + float(s.attrs.get("t", 0)) / 1000
                except ValueError:
                    t = None
                if k == 0 or t is None:
                    parts.append(word)
                else:
                    parts.append(f"<{format_timestamp(t)}><c>{word}</c>")
            text = "".join(parts).strip()
        if not text:
            continue  # YouTube's layout (ASR line appends), not a cue
        _add(cues, issues, source, p.line, start, end, text)
    return cues


def _add(
    cues: list[RawCue], issues: list[Issue], source: str, line: int, start: float, end: float, text: str
) -> None:
    start, end = round(start, 3), round(end, 3)
    if end < start:
        issues.append(
            Issue(source, line, f"cue ends ({end:.3f} s) before it starts ({start:.3f} s); cue skipped")
        )
        return
    cues.append(RawCue(start, end, text, line))


def parse_xml_text(text: str, source: str = "<string>", encoding: str = "utf-8") -> ParsedText:
    """Cues of a TTML or srv1/2/3 document, by its root element (see the module docstring)."""
    root = parse_xml(text, source)
    issues: list[Issue] = []
    if root.tag == "tt":
        cues, fmt = _ttml(root, source, issues), "ttml"
    elif root.tag in ("transcript", "timedtext"):
        cues, fmt = _srv(root, source, issues)
    else:
        raise TimedTextError(
            Issue(
                source,
                root.line,
                f"XML root <{root.tag}> is not TTML (<tt>) or YouTube srv (<timedtext>); skipped",
            )
        )
    if not cues and not issues:
        issues.append(Issue(source, None, f"{fmt} file without a single cue", "warning"))
    return ParsedText(cues, issues, fmt, encoding)


def read_xml_text(path: str | Path) -> ParsedText:
    """`parse_xml_text` of a file in any encoding (see `textfile.decode_text`)."""
    text, encoding, issues = read_text(path)
    parsed = parse_xml_text(text, str(path), encoding)
    parsed.issues[:0] = issues
    return parsed
