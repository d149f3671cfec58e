"""Write the synthetic corpus as the three corpora publish their metadata, pointing at a server.

Files (in `out_dir`), each split into train and val by the items' truth split:
    results_2M_train.csv / results_2M_val.csv     WebVid: videoid,name,page_idx,page_dir,duration,contentUrl
    HowTo100M_v1.csv / HowTo100M_v1_val.csv       HowTo100M: video_id,category_1,category_2,rank,task_id
    caption.json / caption_val.json               HowTo100M narration {id: {start, end, text}}
    Train_GCC-training.tsv / Validation_GCC-1.1.0-Validation.tsv    CC3M: caption TAB url, no header
    table.csv                                     every item, generic columns, with a split column
WebVid and CC3M URLs are direct `/media/<file>` links; HowTo100M ids resolve through
`howto_url_template` (`<base>/watch/{id}.html`, a page for yt-dlp; a template cannot point one
id at a fault, so HowTo100M ids are never broken there). In `table.csv` narrated videos are one
row per caption line (with start/end) and link to their watch page (which may be broken).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from vtdata.synthetic.truth import SyntheticItem

FAULT_CYCLE = ("404", "500-then-ok", "truncated", "corrupt", "html", "429")


@dataclass(frozen=True)
class NativeFiles:
    """Paths of the native metadata files written by `write_native`.

    `broken` maps the id of each item whose URL was routed through the server's fault mode (see
    `write_native(broken=...)`) to the fault kind; every other URL serves its file. HowTo100M
    items are broken only in table.csv (their CSV ids go through `howto_url_template`).
    Train and val items are in separate files (`*_val*`); `table_csv` has both, with a split column.
    """

    root: Path
    base_url: str
    webvid_csv: Path
    webvid_val_csv: Path
    howto_csv: Path
    howto_captions: Path
    howto_val_csv: Path
    howto_val_captions: Path
    cc3m_tsv: Path
    cc3m_val_tsv: Path
    table_csv: Path
    howto_url_template: str
    broken: dict[str, str] = field(default_factory=dict)


def _write(path: Path, text: str) -> Path:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8", newline="")
    os.replace(tmp, path)
    return path


def _csv(header: Sequence[str], rows: list[Sequence]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue()


def _iso_duration(seconds: float) -> str:
    """WebVid's duration column: whole seconds as `PT00H00M11S`."""
    s = max(1, round(seconds))
    return f"PT{s // 3600:02d}H{s % 3600 // 60:02d}M{s % 60:02d}S"


def _broken_kind(item: SyntheticItem, seed: int, fraction: float) -> str | None:
    if fraction <= 0:
        return None
    digest = hashlib.blake2b(f"broken:{seed}:{item.id}".encode(), digest_size=8).digest()
    unit = int.from_bytes(digest, "big") / 2**64
    return FAULT_CYCLE[int(unit / fraction * len(FAULT_CYCLE))] if unit < fraction else None


def write_native(
    items: Sequence[SyntheticItem],
    base_url: str,
    out_dir: str | Path,
    *,
    seed: int = 0,
    broken: float = 0.0,
) -> NativeFiles:
    """Write every native file for `items` with URLs under `base_url`; returns their paths.

    `broken` (0..1) routes about that fraction of rows, chosen by (seed, id), through
    `/fault/<kind>/...` with kinds cycling over `FAULT_CYCLE` (rotted links, as in the real
    CC3M); `NativeFiles.broken` lists them. Same items and base URL give the same bytes.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    base = base_url.rstrip("/")
    template = f"{base}/watch/{{id}}.html"
    broken_ids: dict[str, str] = {}

    def url(item: SyntheticItem, path: str) -> str:
        kind = _broken_kind(item, seed, broken)
        if kind is None:
            return f"{base}/{path}"
        broken_ids[item.id] = kind
        return f"{base}/fault/{kind}/{path}"

    def media_url(item: SyntheticItem) -> str:
        return url(item, f"media/{item.file}")

    def page_url(item: SyntheticItem) -> str:
        return url(item, f"watch/{item.source_id}.html")

    webvid = [i for i in items if i.dataset == "webvid"]
    howto = [i for i in items if i.dataset == "howto100m"]
    cc3m = [i for i in items if i.dataset == "cc3m"]
    paths: dict[str, Path] = {}
    for split, suffix in (("train", "train"), ("val", "val")):
        rows = [
            (i.source_id, i.caption, k // 50, f"{k // 50 * 50 + 1:06d}_{k // 50 * 50 + 50:06d}",
             _iso_duration(i.duration), media_url(i))
            for k, i in enumerate(webvid) if i.split == split
        ]  # fmt: skip
        header = ("videoid", "name", "page_idx", "page_dir", "duration", "contentUrl")
        paths[f"webvid_{split}"] = _write(out / f"results_2M_{suffix}.csv", _csv(header, rows))

        chosen = [i for i in howto if i.split == split]
        rows = [
            (i.source_id, "Education and Communications", "Shapes and Colours", k + 1, 20000 + k % 7)
            for k, i in enumerate(chosen)
        ]
        name = "HowTo100M_v1.csv" if split == "train" else "HowTo100M_v1_val.csv"
        paths[f"howto_{split}"] = _write(
            out / name, _csv(("video_id", "category_1", "category_2", "rank", "task_id"), rows)
        )
        captions = {
            i.source_id: {
                "start": [c.start for c in i.lines],
                "end": [c.end for c in i.lines],
                "text": [c.text for c in i.lines],
            }
            for i in chosen
        }
        name = "caption.json" if split == "train" else "caption_val.json"
        paths[f"captions_{split}"] = _write(out / name, json.dumps(captions) + "\n")

        lines = "".join(f"{i.caption}\t{media_url(i)}\n" for i in cc3m if i.split == split)
        name = "Train_GCC-training.tsv" if split == "train" else "Validation_GCC-1.1.0-Validation.tsv"
        paths[f"cc3m_{split}"] = _write(out / name, lines)

    table: list[Sequence] = []
    for i in items:
        if i.dataset == "howto100m":
            table += [
                (i.id, page_url(i), c.text, i.duration, "video", i.split, c.start, c.end) for c in i.lines
            ]
        else:
            duration = i.duration if i.media == "video" else ""
            table.append((i.id, media_url(i), i.caption, duration, i.media, i.split, "", ""))
    header = ("id", "url", "caption", "duration", "media", "split", "start", "end")
    table_csv = _write(out / "table.csv", _csv(header, table))
    return NativeFiles(
        root=out,
        base_url=base,
        webvid_csv=paths["webvid_train"],
        webvid_val_csv=paths["webvid_val"],
        howto_csv=paths["howto_train"],
        howto_captions=paths["captions_train"],
        howto_val_csv=paths["howto_val"],
        howto_val_captions=paths["captions_val"],
        cc3m_tsv=paths["cc3m_train"],
        cc3m_val_tsv=paths["cc3m_val"],
        table_csv=table_csv,
        howto_url_template=template,
        broken=broken_ids,
    )
