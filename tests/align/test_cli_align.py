import json

from click.testing import CliRunner

from vtdata.cli import main
from vtdata.records.clips import read_clips
from vtdata.records.sources import Segment, SourceItem, write_sources


def test_align_sources_table_and_show(tmp_path):
    segs = [
        Segment(0.5, 4.0, "wash the potatoes"),
        Segment(2.0, 6.0, "then cut them"),
        Segment(4.0, 8.0, "[Music]"),
    ]
    write_sources(
        [
            SourceItem("v1", "v1", "howto100m", "video", "u", segments=segs, duration=7.0),
            SourceItem("w1", "w1", "webvid", "video", "u", caption="a cat", duration=3.0),
        ],
        tmp_path / "sources.parquet",
    )
    runner = CliRunner()
    result = runner.invoke(
        main,
        [
            "align",
            "--sources",
            str(tmp_path / "sources.parquet"),
            "--builder",
            "merge",
            "--min-duration",
            "3",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "2 clips from 2 items" in result.output and "cue:annotation_only: 1" in result.output
    clips = list(read_clips(tmp_path / "clips.parquet"))
    assert [(c.clip_id, c.start, c.end, c.text) for c in clips] == [
        ("v1_0", 0.5, 4.0, "wash the potatoes then cut them"),
        ("w1_0", 0.0, 3.0, "a cat"),
    ]
    assert (tmp_path / "clips.report.json").exists()

    shown = runner.invoke(
        main, ["align", "--sources", str(tmp_path / "sources.parquet"), "--show", "v1", "--pad", "1"]
    )
    assert shown.exit_code == 0, shown.output
    assert (
        "text source: segments" in shown.output and "v1_1      1.000     5.000  then cut them" in shown.output
    )
    assert "cue:annotation_only" in shown.output

    missing = runner.invoke(main, ["align", "--sources", str(tmp_path / "sources.parquet"), "--show", "nope"])
    assert missing.exit_code != 0 and "no item 'nope'" in missing.output
    both = runner.invoke(main, ["align"])
    assert both.exit_code == 2 and "one of them" in both.output
    bad = runner.invoke(main, ["align", "--sources", str(tmp_path / "sources.parquet"), "--window", "0"])
    assert bad.exit_code == 2 and "window" in bad.output


def test_align_store_and_show(tmp_path):
    from vtdata.download.ledger import Ledger
    from vtdata.records.ledger import LedgerEntry

    store = tmp_path / "store"
    (store / "media" / "ab").mkdir(parents=True)
    (store / "media" / "ab" / "v1.en.vtt").write_text(
        "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nhello\n\n00:00:5,000 --> 00:00:06.000\nworld\n"
    )
    write_sources(
        [
            SourceItem("v1", "v1", "custom", "video", "u"),
            SourceItem("v2", "v2", "custom", "video", "u", caption="x"),
        ],
        store / "sources.parquet",
    )
    with Ledger(store) as ledger:
        ledger.put(LedgerEntry("v1", "ok", duration=5.5, subtitles={"en": "media/ab/v1.en.vtt"}))
    runner = CliRunner()
    result = runner.invoke(main, ["align", str(store)])
    assert result.exit_code == 0, result.output
    assert "2 clips from 2 items" in result.output and "item:not_downloaded: 1" in result.output
    assert "0 errors, 1 warnings" in result.output and "line 6: timing" in result.output
    assert [(c.start, c.end, c.text) for c in read_clips(store / "clips.parquet")] == [
        (1.0, 2.0, "hello"),
        (5.0, 5.5, "world"),
    ]
    shown = runner.invoke(main, ["align", str(store), "--show", "v1"])
    assert "text source: subtitles:en" in shown.output and "v1_1      5.000     5.500  world" in shown.output
    gone = runner.invoke(main, ["align", str(store), "--show", "v2"])
    assert gone.exit_code == 1 and "not_downloaded" in gone.output


def test_a_folder_without_ledger_is_a_clean_error(tmp_path):
    write_sources([SourceItem("v1", "v1", "custom", "video", "u", caption="x")], tmp_path / "sources.parquet")
    result = CliRunner().invoke(main, ["align", str(tmp_path)])
    assert result.exit_code == 1 and "no download ledger" in result.output


def _store(tmp_path, files: dict[str, bytes | str], caption: str | None = None):
    """A download store with one item `v1` whose subtitles are `files` ({lang: content})."""
    from vtdata.download.ledger import Ledger
    from vtdata.records.ledger import LedgerEntry

    store = tmp_path / "store"
    (store / "media" / "ab").mkdir(parents=True)
    subtitles = {}
    for lang, content in files.items():
        name = f"media/ab/v1.{lang}"
        path = store / name
        path.write_bytes(content) if isinstance(content, bytes) else path.write_text(content)
        subtitles[lang.split(".")[0]] = name
    item = SourceItem("v1", "v1", "custom", "video", "u", caption=caption)
    write_sources([item], store / "sources.parquet")
    with Ledger(store) as ledger:
        ledger.put(LedgerEntry("v1", "ok", duration=60.0, subtitles=subtitles))
    return store


def test_a_subtitle_file_over_the_cap_is_skipped_and_reported(tmp_path):
    """A 17 MB WebVTT (default cap 16 MiB) is reported and the item falls back to its caption."""
    vtt = "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nhello there\n\nNOTE " + "x" * 17_000_000 + "\n"
    store = _store(tmp_path, {"en.vtt": vtt}, caption="the caption")
    runner = CliRunner()
    result = runner.invoke(main, ["align", str(store), "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert [c.text for c in read_clips(store / "clips.parquet")] == ["the caption"]
    report = json.loads((store / "clips.report.json").read_text())
    assert report["sources"] == {"caption": 1}
    (line,) = [s for s in report["issue_lines"] if "max-subtitle-bytes" in s]
    assert "v1.en.vtt" in line and "17000" in line and "16MiB" in line and "skipped unread" in line

    raised = runner.invoke(main, ["align", str(store), "--workers", "1", "--max-subtitle-bytes", "32MiB"])
    assert raised.exit_code == 0, raised.output
    assert [c.text for c in read_clips(store / "clips.parquet")] == ["hello there"]


def test_every_subtitle_problem_is_in_the_report_with_file_and_line(tmp_path):
    """One item per edge case; each problem reaches clips.report.json naming its file and line."""
    from vtdata.download.ledger import Ledger
    from vtdata.records.ledger import LedgerEntry

    files = {
        "orphan.en.srt": "1\n00:00:01,000 --> 00:00:02,000\nCaption text #1\n\n2\nCaption text #2\n",
        "dot.en.srt": "1\n00:00:07,000 --> 00:00:11.890\nmixed separators\n",
        "empty.en.srt": "1\n00:00:01,000 --> 00:00:02,000\n\n2\n00:00:03,000 --> 00:00:04,000\nafter\n",
        "stray.en.srt": "1\n00:00:01,000 --> 00:00:02,000\npart one\n\npart two\n",
        "untimed.en.vtt": "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nok\n\n2\nno timing\n",
        "bad.en.sbv": "0:00:01.000,0:00:02.000\nok\n\nnot a timing\nx\n",
        "bad.en.ttml": '<tt><body><p begin="1s" end="2s">ok</p>\n<p begin="x" end="2s">bad</p></body></tt>',
        "bad.en.srv3": '<timedtext><body><p t="1000" d="500">ok</p>\n<p t="x">bad</p></body></timedtext>',
        "huge.en.srt": "1\n00:00:01,000 --> 00:00:02,000\nok\n\n2\n"
        "999999:00:00,000 --> 999999:00:01,000\nlate\n",
    }
    expected = {  # file -> (line, words of the message)
        "orphan.en.srt": (5, "no 'start --> end' timing line"),
        "dot.en.srt": (2, "not SRT's HH:MM:SS,mmm"),
        "empty.en.srt": (2, "empty cue"),
        "stray.en.srt": (5, "after a blank line"),
        "untimed.en.vtt": (6, "no 'start --> end' timing line"),
        "bad.en.sbv": (4, "no 'start,end' timing line"),
        "bad.en.ttml": (2, "unreadable cue timing"),
        "bad.en.srv3": (2, "unreadable cue timing"),
    }
    store = tmp_path / "store"
    (store / "media" / "ab").mkdir(parents=True)
    items, entries = [], []
    for k, (name, text) in enumerate(files.items()):
        (store / "media" / "ab" / name).write_text(text)
        items.append(SourceItem(f"v{k}", f"v{k}", "custom", "video", "u"))
        entries.append(LedgerEntry(f"v{k}", "ok", duration=60.0, subtitles={"en": f"media/ab/{name}"}))
    write_sources(items, store / "sources.parquet")
    with Ledger(store) as ledger:
        ledger.put_many(entries)
    result = CliRunner().invoke(main, ["align", str(store), "--workers", "1"])
    assert result.exit_code == 0, result.output
    report = json.loads((store / "clips.report.json").read_text())
    lines = report["issue_lines"]
    for name, (line, words) in expected.items():
        assert any(f"{name} line {line}: " in s and words in s for s in lines), (name, lines)
    assert report["drops"].get("cue:bad_times") == 1  # the cue past a week
    assert report["items_with_clips"] == len(files)
