"""The report as one HTML file: no script, no external file, images embedded as data URIs, and a
Content-Security-Policy that forbids loading anything from elsewhere. Every text that comes from
the data (captions, ids, messages, paths) is HTML-escaped.

Each count is marked `data-count="<folder>:<name>"` (the folder relative to the report's PATH), so
a test, or a script, can check it against the file it came from.
"""

from __future__ import annotations

import base64
import html
from pathlib import Path

from vtdata.media.preview import evenly, frame_strip, gif_bytes, png_bytes
from vtdata.report import charts
from vtdata.report.build import Group, Report
from vtdata.report.discover import Part
from vtdata.report.store import Loss

CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"
STRIP_FRAMES = 8
STYLE = """
body{font:14px/1.45 system-ui,sans-serif;margin:0;color:#1d2430;background:#f6f7f9}
header{background:#1d2430;color:#fff;padding:14px 24px}header h1{margin:0;font-size:20px}
nav a{color:#cfe0ff;margin-right:14px}main{padding:8px 24px 40px}
section{background:#fff;border:1px solid #dde1e7;border-radius:6px;margin:16px 0;padding:12px 18px}
h2{font-size:18px;margin:4px 0 10px}h3{font-size:15px;margin:14px 0 6px}
table{border-collapse:collapse;margin:6px 0}td,th{border-bottom:1px solid #e5e8ec;padding:3px 10px;
text-align:left;vertical-align:top}td.n{text-align:right;font-variant-numeric:tabular-nums}
.grid{display:flex;flex-wrap:wrap;gap:12px}.chart{border:1px solid #e5e8ec;padding:6px;background:#fff}
.chart p,.card p{margin:4px 0;font-size:12px;color:#4a5566;max-width:384px}
.card{border:1px solid #e5e8ec;border-radius:4px;padding:8px;width:300px;background:#fff}
.card img{display:block;max-width:100%;image-rendering:pixelated}.strip{margin-top:4px}
.cap{font-size:13px;color:#1d2430}code{font-size:12px}.muted{color:#6b7685}.lost{color:#a33}
img{max-width:100%}
"""


def e(value: object) -> str:
    return html.escape(str(value), quote=True)


def data_uri(data: bytes, mime: str) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def img(data: bytes, mime: str, alt: str, cls: str = "") -> str:
    klass = f' class="{cls}"' if cls else ""
    return f'<img{klass} src="{data_uri(data, mime)}" alt="{e(alt)}">'


def render(report: Report) -> str:
    root = report.root
    body = [_overview(report), _counts(report)]
    body.append(_distributions(report))
    if any(facts.gallery for g in report.groups for _, facts in g.shards):
        body.append(_gallery(report))
    if any(g.alignment for g in report.groups):
        body.append(_alignment(report))
    if any(g.runs for g in report.groups):
        body.append(_training(report))
    nav = "".join(
        f'<a href="#{sid}">{title}</a>'
        for sid, title in (
            ("overview", "Overview"),
            ("counts", "Counts"),
            ("distributions", "Distributions"),
            ("gallery", "Gallery"),
            ("alignment", "Alignment"),
            ("training", "Training"),
        )
        if f'id="{sid}"' in "".join(body)
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        f'<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>vtdata report: {e(root)}</title><style>{STYLE}</style></head><body>"
        f"<header><h1>vtdata report: {e(root)}</h1><nav>{nav}</nav></header><main>"
        + "\n".join(body)
        + "</main></body></html>\n"
    )


def _key(report: Report, part: Part, name: str) -> str:
    root = report.root if report.root.is_dir() else report.root.parent
    try:
        rel = part.path.relative_to(root).as_posix()  # "." for the root itself
    except ValueError:
        rel = part.path.as_posix()
    return f"{rel}:{name}"


def _n(report: Report, part: Part, name: str, value: int) -> str:
    return f'<td class="n" data-count="{e(_key(report, part, name))}">{value:,}</td>'


def _overview(report: Report) -> str:
    rows = "".join(
        f"<tr><td>{e(g.name)}</td><td>{e(p.kind)}</td><td><code>{e(p.path)}</code></td></tr>"
        for g in report.groups
        for p in g.parts
    )
    return (
        '<section id="overview"><h2>What was found</h2>'
        f"<table><tr><th>group</th><th>kind</th><th>path</th></tr>{rows}</table>"
        f'<p class="muted">Gallery and alignment picks are drawn with seed {report.seed}.</p></section>'
    )


def _counts(report: Report) -> str:
    out = ['<section id="counts"><h2>Counts per stage, and where items were lost</h2>']
    for g in report.groups:
        rows, losses, stages = _stage_rows(report, g)
        if not rows:
            continue
        out.append(f'<h3>{e(g.name)}</h3><div class="grid"><div><table>')
        out.append("<tr><th>stage</th><th>what</th><th>count</th><th>lost here</th></tr>")
        out.extend(rows)
        out.append("</table></div>")
        if len(stages) > 1:
            out.append(
                '<div class="chart">'
                + img(
                    charts.funnel(stages, f"{g.name}: counts per stage"),
                    "image/png",
                    f"{g.name}: counts per stage",
                )
                + "</div>"
            )
        out.append("</div>")
        if losses:
            out.append(_losses_table(report, losses))
    out.append("</section>")
    return "\n".join(out)


def _stage_rows(report: Report, g: Group) -> tuple[list[str], list[tuple[Part, Loss]], list[tuple[str, int]]]:
    rows: list[str] = []
    losses: list[tuple[Part, Loss]] = []
    stages: list[tuple[str, int]] = []
    if g.store is not None:
        part, s = g.store
        if s.sources is not None:
            rows.append(
                f"<tr><td>sources</td><td>items</td>{_n(report, part, 'sources', s.sources)}<td></td></tr>"
            )
            stages.append(("sources", s.sources))
        failed = s.attempted - s.downloaded
        lost = f'<span class="lost">{failed:,} failed</span>' if failed else "none"
        if s.sources is not None and s.sources > s.attempted:
            lost += f", {s.sources - s.attempted:,} not tried yet"
        rows.append(
            f"<tr><td>downloaded</td><td>items</td>{_n(report, part, 'ok', s.downloaded)}<td>{lost}</td></tr>"
        )
        stages.append(("downloaded", s.downloaded))
        losses += [(part, loss) for loss in s.losses]
    if g.clips is not None:
        part, c = g.clips
        lost = ""
        if c.items is not None and c.items_with_clips is not None:
            dropped = c.items - c.items_with_clips - c.not_downloaded
            lost = f'<span class="lost">{dropped:,} items gave no clip</span>' if dropped else "none"
            if c.not_downloaded:
                lost += f' <span class="muted">({c.not_downloaded:,} not downloaded: see above)</span>'
        rows.append(
            f"<tr><td>clips</td><td>clips</td>{_n(report, part, 'clips', c.clips)}<td>{lost}</td></tr>"
        )
        stages.append(("clips", c.clips))
        losses += [(part, loss) for loss in c.losses]
    for part, f in g.shards:
        total = f.stats.get("total", {})
        failed = int(total.get("failed", 0))
        lost = f'<span class="lost">{failed:,} clips failed</span>' if failed else "none"
        name = "sampled" if len(g.shards) == 1 else f"sampled ({part.path.name})"
        for what in ("samples", "shards", "frames"):
            stage, note = (name, lost) if what == "samples" else ("", "")
            cell = _n(report, part, what, int(total.get(what, 0)))
            rows.append(f"<tr><td>{e(stage)}</td><td>{what}</td>{cell}<td>{note}</td></tr>")
        stages.append((name, int(total.get("samples", 0))))
        losses += [(part, loss) for loss in f.losses]
    for part, run in g.runs:
        rows.append(
            f"<tr><td>training</td><td>steps</td>{_n(report, part, 'steps', run.steps)}<td></td></tr>"
        )
        rows.append(
            f"<tr><td></td><td>evaluations</td>{_n(report, part, 'evaluations', run.evaluations)}"
            "<td></td></tr>"
        )
    return rows, losses, stages


def _losses_table(report: Report, losses: list[tuple[Part, Loss]]) -> str:
    rows = []
    for part, loss in losses:
        examples = "<br>".join(f"<code>{e(i)}</code>: {e(m)}" for i, m in loss.examples) or "—"
        name = f"{loss.stage}:{loss.reason}"
        rows.append(
            f"<tr><td>{e(loss.stage)}</td><td>{e(loss.reason)}</td>{_n(report, part, name, loss.count)}"
            f"<td>{examples}</td></tr>"
        )
    return (
        "<table><tr><th>stage</th><th>reason</th><th>lost</th><th>examples (id: message)</th></tr>"
        + "".join(rows)
        + "</table>"
    )


def _distributions(report: Report) -> str:
    out = ['<section id="distributions"><h2>Distributions</h2>']
    for g in report.groups:
        if not g.charts:
            continue
        out.append(f'<h3>{e(g.name)}</h3><div class="grid">')
        for chart in g.charts:
            picture = img(chart.png, "image/png", chart.title)
            anchor = e(f"chart-{g.name}-{chart.key}")
            out.append(f'<div class="chart" id="{anchor}">{picture}<p>{e(chart.summary)}</p></div>')
        out.append("</div>")
        for _, facts in g.shards:
            if facts.note:
                out.append(f'<p class="muted">Note: {e(facts.note)}</p>')
    out.append("</section>")
    return "\n".join(out)


def _gallery(report: Report) -> str:
    out = ['<section id="gallery"><h2>Random samples</h2>']
    for g in report.groups:
        for part, facts in g.shards:
            if not facts.gallery:
                continue
            out.append(
                f"<h3>{e(g.name)}: <code>{e(part.path.name)}</code> ({facts.store or 'mixed'} store)</h3>"
            )
            if facts.note:
                out.append(f'<p class="muted">Note: {e(facts.note)}</p>')
            out.append('<div class="grid">')
            for s in facts.gallery:
                shown = evenly(s.frames, 24)
                times = f"{s.start:.2f}–{s.end:.2f} s" if s.end > s.start else "image"
                out.append(
                    '<div class="card">'
                    + img(gif_bytes(shown), "image/gif", f"{s.clip_id}: animated preview")
                    + img(
                        png_bytes(frame_strip(evenly(s.frames, STRIP_FRAMES))),
                        "image/png",
                        f"{s.clip_id}: frames",
                        "strip",
                    )
                    + f'<p class="cap">{e(s.text)}</p>'
                    f"<p><code>{e(s.clip_id)}</code> · {times} · source <code>{e(s.source_id)}</code>"
                    f" · {len(s.frames)} frames · {e(s.split)} · {e(s.shard)}</p></div>"
                )
            out.append("</div>")
    out.append("</section>")
    return "\n".join(out)


def _alignment(report: Report) -> str:
    out = ['<section id="alignment"><h2>Alignment of one narrated video</h2>']
    for g in report.groups:
        a = g.alignment
        if a is None:
            continue
        out.append(f"<h3>{e(g.name)}: <code>{e(a.id)}</code></h3>")
        out.append(
            '<div class="chart">' + img(a.chart, "image/png", f"{a.id}: cues, clips and frames") + "</div>"
        )
        cues = "".join(f"<tr><td>{s:.2f}–{t:.2f}</td><td>{e(x)}</td></tr>" for s, t, x in a.cues)
        clips = "".join(
            f"<tr><td>clip {i}</td><td>{s:.2f}–{t:.2f}</td><td>{e(x)}</td></tr>"
            for i, (s, t, x) in enumerate(a.clips)
        )
        out.append(
            '<div class="grid"><div><table><tr><th>cue (s)</th><th>text</th></tr>' + cues + "</table></div>"
            "<div><table><tr><th>clip</th><th>seconds</th><th>caption</th></tr>"
            + clips
            + "</table></div></div>"
        )
    out.append("</section>")
    return "\n".join(out)


def _training(report: Report) -> str:
    out = ['<section id="training"><h2>Training</h2>']
    for g in report.groups:
        for part, run in g.runs:
            out.append(f"<h3>{e(g.name)}: <code>{e(Path(part.path).name)}</code></h3>")
            if run.curves is not None:
                out.append('<div class="chart">' + img(run.curves, "image/png", "training curves") + "</div>")
            if run.final:
                rows = "".join(
                    f'<tr><td>{e(name)}</td><td class="n">{value:.1f}</td>'
                    f'<td class="n">{"—" if level is None else f"{level:.1f}"}</td></tr>'
                    for name, value, level in run.final
                )
                out.append(
                    f"<p>Last held-out evaluation (step {run.steps:,}), percent:</p>"
                    f"<table><tr><th>metric</th><th>value</th><th>chance</th></tr>{rows}</table>"
                )
    out.append("</section>")
    return "\n".join(out)
