"""`vtdata realign` through the real CLI, on a narrated corpus whose truth is known (conftest.py)."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pyarrow.parquet as pq
from click.testing import CliRunner

from vtdata.cli import main
from vtdata.records.clips import read_clips, write_clips
from vtdata.synthetic import true_clips

LAG = 3.0


def _realign(aligner, clips, out, *extra):
    return CliRunner().invoke(
        main,
        ["realign", str(aligner.checkpoint), "--media-table", str(aligner.media_table), "--clips", str(clips),
         "-o", str(out), "--range", "5", *extra],
    )  # fmt: skip


def test_injected_lag_is_recovered_and_aligned_videos_stay(aligner, tmp_path):
    clips = true_clips(aligner.truth)
    videos = sorted({c.id for c in clips})
    lagged = set(videos[::2])  # every other video: its narration 3 s late
    given = [replace(c, start=c.start + LAG, end=c.end + LAG) if c.id in lagged else c for c in clips]
    write_clips(given, tmp_path / "given.parquet")
    result = _realign(aligner, tmp_path / "given.parquet", tmp_path / "out.parquet", "--workers", "2")
    assert result.exit_code == 0, result.output
    rows = {r["clip_id"]: r for r in pq.read_table(tmp_path / "out.parquet").to_pylist()}
    assert len(rows) == len(clips)
    truth = {c.clip_id: c for c in clips}
    moved = [rows[k] for k in rows if truth[k].id in lagged]
    kept = [rows[k] for k in rows if truth[k].id not in lagged]
    moved_err = np.array([r["start"] - truth[r["clip_id"]].start for r in moved])
    assert np.mean(np.abs(moved_err) <= 1.0) >= 0.7, moved_err
    assert np.median([r["shift"] for r in moved]) <= -2.0
    assert all(r["asr_start"] == truth[r["clip_id"]].start + LAG for r in moved)
    kept_shift = np.array([r["shift"] for r in kept])
    assert np.mean(np.abs(kept_shift) <= 1.0) >= 0.8, kept_shift
    assert abs(np.median(kept_shift)) <= 0.5

    # the output is a clips table that `vtdata shard` consumes
    shards = CliRunner().invoke(
        main,
        ["shard", "--media-table", str(aligner.media_table), "--clips", str(tmp_path / "out.parquet"),
         "-o", str(tmp_path / "shards"), "--sampling", "uniform", "--num-frames", "2", "--size", "32"],
    )  # fmt: skip
    assert shards.exit_code == 0, shards.output
    index = pq.read_table(tmp_path / "shards" / "index.parquet")
    assert index.num_rows == len(rows)
    assert len(list(read_clips(tmp_path / "out.parquet"))) == len(rows)

    # resumable and deterministic: a rerun reuses every video and writes the same table
    first = pq.read_table(tmp_path / "out.parquet")
    again = _realign(aligner, tmp_path / "given.parquet", tmp_path / "out.parquet")
    assert again.exit_code == 0 and f"({len(videos)} reused)" in again.output
    assert pq.read_table(tmp_path / "out.parquet").equals(first)


def test_min_score_drops_and_a_missing_video_fails_alone(aligner, tmp_path):
    clips = true_clips(aligner.truth)
    one = [c for c in clips if c.id == clips[0].id]
    ghost = replace(one[0], clip_id="ghost_0", id="ghost")
    write_clips([*one, ghost], tmp_path / "given.parquet")
    result = _realign(aligner, tmp_path / "given.parquet", tmp_path / "all.parquet")
    assert result.exit_code == 0, result.output
    assert "failed video ghost: missing_media" in result.output
    rows = pq.read_table(tmp_path / "all.parquet").to_pylist()
    assert [r["clip_id"] for r in rows] == [c.clip_id for c in one]
    scores = sorted(r["score"] for r in rows)
    cut = scores[len(scores) // 2]
    dropped = _realign(aligner, tmp_path / "given.parquet", tmp_path / "cut.parquet", "--min-score", str(cut))
    assert dropped.exit_code == 0, dropped.output
    report = json.loads((tmp_path / "cut.report.json").read_text())
    assert {d["clip_id"] for d in report["dropped"]} == {r["clip_id"] for r in rows if r["score"] < cut}
    assert report["failed_videos"][0]["id"] == "ghost"
    kept = pq.read_table(tmp_path / "cut.parquet").to_pylist()
    assert len(kept) == sum(r["score"] >= cut for r in rows) and all(r["score"] >= cut for r in kept)
