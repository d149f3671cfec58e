"""The corpus's WebVTT captions in the other formats a video site hands over (YouTube's srv3,
SBV, TTML), so downloads and align can be tested on them (the server's `?subs_ext=`)."""

from __future__ import annotations

import html
import re
from pathlib import Path

SUBTITLE_FORMATS = ("vtt", "srv3", "sbv", "ttml")
_TIMING = re.compile(r"^(\d+):(\d\d):(\d\d)\.(\d{3}) --> (\d+):(\d\d):(\d\d)\.(\d{3})")
_TAG = re.compile(r"<(\d+:\d\d:\d\d\.\d{3})>")
_MARKUP = re.compile(r"</?c[^>]*>")


def _seconds(h: str, m: str, s: str, ms: str) -> float:
    return int(h) * 3600 + int(m) * 60 + int(s) + int(ms) / 1000


def vtt_cues(text: str) -> list[tuple[float, float, str]]:
    """`(start, end, raw text)` of each cue of a WebVTT file as the corpus writes it."""
    cues = []
    lines = text.splitlines()
    for i, line in enumerate(lines):
        m = _TIMING.match(line)
        if not m:
            continue
        body = []
        for follow in lines[i + 1 :]:
            if follow == "":
                break
            body.append(follow)
        g = m.groups()
        cues.append((_seconds(*g[:4]), _seconds(*g[4:]), "\n".join(body)))
    return cues


def _clock(t: float, sep: str = ".") -> str:
    ms = round(t * 1000)
    return f"{ms // 3_600_000:02d}:{ms // 60_000 % 60:02d}:{ms // 1000 % 60:02d}{sep}{ms % 1000:03d}"


def _srv3_p(start: float, end: float, raw: str) -> str:
    """One `<p>`: the words before the first time tag, then an `<s t>` per tagged run (ms from `t`)."""
    parts = _TAG.split(raw)
    spans = [f"<s>{html.escape(_MARKUP.sub('', parts[0]))}</s>"]
    for k in range(1, len(parts), 2):
        h, m, rest = parts[k].split(":")
        offset = round((_seconds(h, m, *rest.split(".")) - start) * 1000)
        spans.append(f'<s t="{offset}">{html.escape(_MARKUP.sub("", parts[k + 1]))}</s>')
    return f'<p t="{round(start * 1000)}" d="{round((end - start) * 1000)}" w="1">{"".join(spans)}</p>'


def convert_vtt(text: str, fmt: str) -> bytes:
    """The cues of `text` (WebVTT) written as `fmt` (one of SUBTITLE_FORMATS)."""
    if fmt == "vtt":
        return text.encode()
    cues = vtt_cues(text)
    if fmt == "srv3":
        body = "\n".join(_srv3_p(*cue) for cue in cues)
        head = '<?xml version="1.0" encoding="utf-8" ?><timedtext format="3">'
        return f"{head}\n<body>\n{body}\n</body>\n</timedtext>\n".encode()
    plain = [(a, b, _MARKUP.sub("", _TAG.sub("", t)).strip()) for a, b, t in cues]
    if fmt == "sbv":
        return "".join(f"{_clock(a)[1:]},{_clock(b)[1:]}\n{t}\n\n" for a, b, t in plain).encode()
    if fmt == "ttml":
        ps = "\n".join(
            f'<p begin="{_clock(a)}" end="{_clock(b)}">{html.escape(t).replace(chr(10), "<br/>")}</p>'
            for a, b, t in plain
        )
        return (
            '<?xml version="1.0" encoding="utf-8"?>\n<tt xmlns="http://www.w3.org/ns/ttml" xml:lang="en">'
            f"<body><div>\n{ps}\n</div></body></tt>\n"
        ).encode()
    raise ValueError(f"subtitle format {fmt!r}: use one of {SUBTITLE_FORMATS}")


def converted(media: Path, name: str) -> bytes | None:
    """`<stem>.<fmt>` made from `<stem>.vtt` in `media` when only the WebVTT exists, else None."""
    stem, _, ext = name.rpartition(".")
    if ext not in SUBTITLE_FORMATS or (media / name).is_file() or not (media / f"{stem}.vtt").is_file():
        return None
    return convert_vtt((media / f"{stem}.vtt").read_text(encoding="utf-8"), ext)
