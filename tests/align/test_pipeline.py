from pathlib import Path

import pytest

from vtdata.align.options import AlignOptions, ClipOptions
from vtdata.align.pipeline import AlignItem, Drop, align_item, align_items, pick_subtitles
from vtdata.records.sources import Segment, SourceItem

SEGMENTS = [Segment(1.0, 3.0, "from the segments"), Segment(3.0, 5.0, "second segment")]


def _item(**kw) -> SourceItem:
    base = {"id": "v1", "source_id": "v1", "dataset": "howto100m", "media": "video", "url": "u"}
    return SourceItem(**{**base, **kw})


def test_pick_subtitles_order():
    subs = {"de": Path("d"), "en-orig": Path("o"), "en": Path("e"), "en-US": Path("u")}
    assert [lang for lang, _ in pick_subtitles(subs, ["en"])] == ["en", "en-US", "en-orig"]
    assert [lang for lang, _ in pick_subtitles(subs, ["fr", "de", "*"])] == ["de", "en", "en-US", "en-orig"]
    assert pick_subtitles(subs, ["fr"]) == []


def test_subtitles_beat_segments_beat_caption(real_file):
    ai = AlignItem(
        _item(segments=SEGMENTS, caption="a caption"), 400.0, {"en": real_file("youtube_autocaption_old.vtt")}
    )
    r = align_item(ai)
    assert (r.source, r.rolling) == ("subtitles:en", True)
    assert [c.text for c in r.clips] == ["yeah", "what", "this will happen is I'm telling"]
    r = align_item(AlignItem(_item(segments=SEGMENTS, caption="a caption"), 10.0))
    assert r.source == "segments" and [c.text for c in r.clips] == ["from the segments", "second segment"]
    r = align_item(AlignItem(_item(caption="a caption"), 10.0), AlignOptions(ClipOptions(builder="window")))
    assert r.source == "caption" and [(c.start, c.end, c.text) for c in r.clips] == [(0.0, 10.0, "a caption")]


def test_unreadable_subtitles_fall_back_with_an_issue(tmp_path):
    (tmp_path / "empty.en.vtt").write_bytes(b"")
    (tmp_path / "music.en-US.vtt").write_text("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n[Music]\n")
    subs = {"en": tmp_path / "empty.en.vtt", "en-US": tmp_path / "music.en-US.vtt"}
    r = align_item(AlignItem(_item(segments=SEGMENTS), 10.0, subs))
    assert r.source == "segments" and len(r.clips) == 2
    assert [(i.severity, Path(i.file).name) for i in r.issues] == [
        ("error", "empty.en.vtt"),
        ("warning", "music.en-US.vtt"),
    ]
    assert "empty" in r.issues[0].message and [d.reason for d in r.drops] == ["annotation_only"]


def test_partially_bad_subtitles_keep_the_good_cues(tmp_path):
    path = tmp_path / "v.en.vtt"
    path.write_text("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\ngood\n\n00:00:99.000 --> 00:01:00.000\nbad\n")
    r = align_item(AlignItem(_item(), 10.0, {"en": path}))
    assert [c.text for c in r.clips] == ["good"]
    assert [(i.line, i.severity) for i in r.issues] == [(6, "error")]


def test_offset_of_a_section_download_and_the_duration_clamp():
    ai = AlignItem(_item(segments=SEGMENTS), duration=3.0, offset=1.5)
    assert [(c.start, c.end) for c in align_item(ai).clips] == [(0.0, 1.5), (1.5, 3.0)]


def test_images_no_text_and_errors_never_stop_the_run():
    image = AlignItem(_item(id="i1", media="image", dataset="cc3m", caption="a dog"))
    silent = AlignItem(_item(id="s1", dataset="webvid"), 5.0)
    broken = AlignItem(_item(id="b1", segments=[Segment(None, 2.0, "x")]), 5.0)  # type: ignore[arg-type]
    skipped = Drop("d1", "item", "not_downloaded")
    results = list(align_items([image, silent, broken, skipped]))
    assert [(r.id, len(r.clips)) for r in results] == [("i1", 1), ("s1", 0), ("b1", 0), ("d1", 0)]
    assert [d.reason for r in results[1:] for d in r.drops] == ["no_text", "error", "not_downloaded"]
    assert results[0].clips[0].start == results[0].clips[0].end == 0.0
    assert "TypeError" in results[2].drops[0].message


def test_options_are_validated():
    with pytest.raises(ValueError):
        AlignOptions(dedup="sometimes")


def test_synthetic_corpus_subtitles_give_the_spoken_words(synthetic_corpus):
    narrated = [i for i in synthetic_corpus.items if i.subtitles]
    assert {i.vtt_style for i in narrated} == {"new", "old"}
    for item in narrated:
        src = _item(id=item.id, segments=[Segment(*line[:3]) for line in map(_line, item.lines)])
        ai = AlignItem(src, item.duration, {"en": synthetic_corpus.root / "media" / item.subtitles})
        r = align_item(ai)
        assert r.source == "subtitles:en" and r.rolling and not r.issues
        words = [w for c in r.cues for w in c.words]
        assert [w.text for w in words] == [w.text for w in item.words]
        assert all(abs(a.start - b.start) <= 0.001 for a, b in zip(words, item.words, strict=True))
        # the caption.json lines of the same narration give the same text through the HowTo100M repair
        r2 = align_item(AlignItem(src, item.duration))
        assert r2.source == "segments" and " ".join(c.text for c in r2.cues) == " ".join(
            w.text for w in item.words
        )


def _line(line):
    return (line.start, line.end, line.text)
