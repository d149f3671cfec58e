import pytest

from vtdata.download.config import DownloadConfig
from vtdata.download.ledger import Prior
from vtdata.download.plan import (
    PlanCounts,
    check_url,
    choose_backend,
    count_plan,
    plan,
    section_of,
    wants_fetch,
)
from vtdata.records.ledger import Reason
from vtdata.records.sources import Segment, SourceItem


def item(i="a", url="http://h/a.mp4", media="video", **kw) -> SourceItem:
    return SourceItem(id=i, source_id=i, dataset="custom", media=media, url=url, **kw)


def test_wants_fetch():
    plain, retry = DownloadConfig(), DownloadConfig(retry_failed=True)
    only_timeouts = DownloadConfig(retry_failed=True, retry_reasons=("timeout",))
    ok, timeout, gone = Prior("ok", None, 1), Prior("failed", "timeout", 2), Prior("failed", "not_found", 1)
    assert wants_fetch(None, plain)
    assert not wants_fetch(ok, plain) and not wants_fetch(ok, retry)
    assert not wants_fetch(timeout, plain)
    assert wants_fetch(timeout, retry) and wants_fetch(gone, retry)
    assert wants_fetch(timeout, only_timeouts) and not wants_fetch(gone, only_timeouts)


def test_choose_backend():
    auto = DownloadConfig()
    assert choose_backend(item(url="https://www.youtube.com/watch?v=abc"), auto) == "ytdlp"
    assert choose_backend(item(url="http://h/watch/a.html"), auto) == "ytdlp"
    assert choose_backend(item(url="http://h/a.MP4?sig=1"), auto) == "http"
    assert choose_backend(item(url="http://h/a.jpg", media="image"), auto) == "http"
    assert choose_backend(item(url="http://h/a", media="image"), auto) == "http"
    assert choose_backend(item(url="http://h/a.mp4"), DownloadConfig(backend="ytdlp")) == "ytdlp"
    cut = item(url="http://h/a.mp4", segments=[Segment(1, 2, "x")])
    assert choose_backend(cut, auto) == "http"
    assert choose_backend(cut, DownloadConfig(sections=True)) == "ytdlp"


def test_section_covers_all_segments_padded_and_clamped():
    config = DownloadConfig(sections=True, section_pad=1.0)
    segs = [Segment(5.0, 7.0, "b"), Segment(0.5, 2.0, "a"), Segment(20.0, 29.5, "c")]
    assert section_of(item(segments=segs), config) == (0.0, 30.5)
    assert section_of(item(segments=segs, duration=30.0), config) == (0.0, 30.0)
    assert section_of(item(segments=[Segment(10, 12, "x")]), config) == (9.0, 13.0)
    assert section_of(item(segments=segs), DownloadConfig()) is None
    assert section_of(item(), config) is None
    assert section_of(item(media="image", segments=segs), config) is None


@pytest.mark.parametrize(
    "url,allowed,ok",
    [
        ("https://h/a.mp4", False, True),
        ("http://h/a.mp4", False, True),
        ("ftp://h/a.mp4", True, False),
        ("javascript:alert(1)", True, False),
        ("file:///etc/passwd", False, False),
        ("/etc/passwd", False, False),
        ("file:///tmp/a.mp4", True, True),
        ("", True, False),
    ],
)
def test_check_url(url, allowed, ok):
    error = check_url(url, DownloadConfig(allow_local_files=allowed))
    assert (error is None) == ok
    if error is not None:
        assert error.reason is Reason.UNSUPPORTED


def test_plan_skips_done_items_dedups_and_counts_like_count_plan():
    items = [item("a"), item("b"), item("a"), item("c"), item("d", url="https://www.youtube.com/watch?v=d")]
    priors = {"b": Prior("ok", None, 1), "c": Prior("failed", "timeout", 3)}
    for config in (DownloadConfig(), DownloadConfig(retry_failed=True)):
        counts = PlanCounts()
        tasks = list(plan(items, priors, config, counts))
        expected = count_plan([i.id for i in items], priors, config)
        assert counts == expected
        assert counts.total == 5 and counts.duplicates == 1 and counts.skipped_ok == 1
        assert counts.todo == len(tasks)
    assert [t.item.id for t in tasks] == ["a", "c", "d"]
    assert tasks[1].prior_attempts == 3
    assert [t.backend for t in tasks] == ["http", "http", "ytdlp"]
    assert tasks[2].host == "www.youtube.com"


def test_plan_table_gives_the_tasks_of_plan_over_the_same_rows(tmp_path):
    """The table path decides on ids first and builds only the items to fetch: same tasks, same
    counts, across chunk boundaries (5000 rows, duplicates and done items among them)."""
    from vtdata.download.plan import plan_table
    from vtdata.records.sources import write_sources

    items = [item(f"i{k % 4700}", url=f"http://h{k % 3}/{k % 4700}.mp4") for k in range(5000)]
    path = write_sources(iter(items), tmp_path / "sources.parquet")
    priors = {f"i{k}": Prior("ok" if k % 2 else "failed", "timeout", 1) for k in range(0, 4700, 7)}
    for config in (DownloadConfig(), DownloadConfig(retry_failed=True)):
        a, b = PlanCounts(), PlanCounts()
        by_items = list(plan(items, priors, config, a))
        by_table = list(plan_table(path, priors, config, b))
        assert a == b and a.duplicates == 300
        assert by_items == by_table
        decided = count_plan([i.id for i in items], priors, config, keep=True)
        c = PlanCounts()
        assert list(plan_table(path, priors, config, c, decided)) == by_table  # the ledger asked once
        assert c == a == decided.counts
