"""Redirect hops, opt-out headers and the minimum transfer rate, through the real `vtdata download`
against the synthetic server's fault modes (and the pieces on their own)."""

from __future__ import annotations

import time
import uuid
from email.message import Message

import pytest
from click.testing import CliRunner

from vtdata.cli import main
from vtdata.download.guards import RateFloor, opt_out
from vtdata.download.ledger import Ledger
from vtdata.download.retry import FetchError
from vtdata.records.sources import SourceItem, write_sources


def item(item_id: str, url: str, media: str = "video") -> SourceItem:
    return SourceItem(id=item_id, source_id=item_id, dataset="custom", media=media, url=url)


def run_cli(items: list[SourceItem], tmp_path, *options: str) -> tuple[dict, float, str]:
    """`vtdata download` over `items`; returns the ledger rows by id, the seconds it took, its output."""
    sources = write_sources(items, tmp_path / f"in-{uuid.uuid4().hex[:6]}.parquet")
    store = tmp_path / f"store-{uuid.uuid4().hex[:6]}"
    started = time.monotonic()
    result = CliRunner().invoke(main, ["download", str(sources), "-o", str(store), *options])
    seconds = time.monotonic() - started
    with Ledger(store, readonly=True) as ledger:
        rows = {e.id: e for e in ledger.entries(status=None)}
    return rows, seconds, result.output


def headers(*values: str) -> Message:
    message = Message()
    for value in values:
        message["X-Robots-Tag"] = value
    return message


@pytest.mark.parametrize(
    ("values", "opted"),
    [
        (["noai"], True),
        (["noimageai, nofollow"], True),
        (["NoIndex"], True),
        (["noimageindex"], True),
        (["vtdata: noai"], True),
        (["VTDATA: noindex, noarchive"], True),
        (["googlebot: noindex"], False),
        (["otherbot: noai", "nofollow"], False),
        (["otherbot: noai", "noai"], True),
        (["nofollow, noarchive"], False),
        ([], False),
    ],
)
def test_opt_out_reads_x_robots_tag_like_img2dataset(values, opted):
    assert (opt_out(headers(*values)) is not None) is opted


def test_rate_floor_fails_only_a_slow_window():
    now = [0.0]
    floor = RateFloor(100.0, 2.0, clock=lambda: now[0])
    for step in range(1, 41):  # 1000 B/s for 4 s: fine
        now[0] = step * 0.1
        floor.check(step * 100)
    with pytest.raises(FetchError) as info:
        for step in range(1, 30):  # then 10 B/s: caught once a whole window is that slow
            now[0] = 4.0 + step * 0.1
            floor.check(4000 + step)
    assert info.value.reason.value == "timeout" and "transfer too slow" in info.value.message
    assert 5.5 <= now[0] <= 6.1 and not info.value.transient  # 2 s after the slowdown, not later
    RateFloor(0, 1.0, clock=lambda: 1e9).check(0)  # 0: off


@pytest.mark.slow
def test_redirects_are_followed_only_to_http(synthetic_server, synthetic_corpus, tmp_path):
    video = synthetic_corpus.of("webvid")[0]
    tag = uuid.uuid4().hex[:8]
    url = synthetic_server.url
    rows, seconds, _ = run_cli(
        [
            item("moved", f"{url}/fault/redirect/media/{video.file}?t={tag}"),
            item("to_ftp", f"{url}/fault/redirect-ftp/media/{video.file}?t={tag}"),
        ],
        tmp_path,
        "--backend",
        "http",
    )
    assert rows["moved"].status == "ok" and rows["moved"].bytes == synthetic_corpus.path(video).stat().st_size
    ftp = rows["to_ftp"]
    assert (ftp.status, ftp.reason, ftp.attempts) == ("failed", "unsupported", 1)
    assert "redirect to 'ftp://" in ftp.message and "only http/https" in ftp.message
    assert seconds < 20  # was: followed to ftp://, four attempts, 47 s


@pytest.mark.slow
def test_a_trickle_fails_as_timeout_after_the_rate_window(synthetic_server, synthetic_corpus, tmp_path):
    video = synthetic_corpus.of("webvid")[0]
    url = f"{synthetic_server.url}/fault/trickle/media/{video.file}?t={uuid.uuid4().hex[:8]}"
    rows, seconds, _ = run_cli([item("trickle", url)], tmp_path, "--rate-window", "1", "--backend", "http")
    row = rows["trickle"]
    assert (row.status, row.reason, row.attempts) == ("failed", "timeout", 1)
    assert "transfer too slow" in row.message
    assert seconds < 15  # a 1 byte/s server held a worker for the whole deadline (600 s) before


@pytest.mark.slow
def test_x_robots_tag_opt_out_is_honoured_unless_ignored(synthetic_server, synthetic_corpus, tmp_path):
    image = synthetic_corpus.of("cc3m")[0]
    tag = uuid.uuid4().hex[:8]
    url = synthetic_server.url
    items = [
        item("noai", f"{url}/fault/noai/media/{image.file}?t={tag}", "image"),
        item("ours", f"{url}/fault/robots-vtdata/media/{image.file}?t={tag}", "image"),
        item("theirs", f"{url}/fault/robots-other/media/{image.file}?t={tag}", "image"),
        item("plain", f"{url}/media/{image.file}?t={tag}", "image"),
    ]
    rows, _, output = run_cli(items, tmp_path)
    assert {k: (r.status, r.reason) for k, r in rows.items()} == {
        "noai": ("failed", "opted_out"),
        "ours": ("failed", "opted_out"),
        "theirs": ("ok", None),
        "plain": ("ok", None),
    }
    assert "X-Robots-Tag 'noai, noimageai'" in rows["noai"].message and rows["noai"].attempts == 1
    assert "opted_out" in output
    rows, _, _ = run_cli(items, tmp_path, "--ignore-opt-out")
    assert {r.status for r in rows.values()} == {"ok"}
