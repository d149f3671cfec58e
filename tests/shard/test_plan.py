"""vtdata/shard/plan.py: the plan is a pure function of the clip table and the config."""

from __future__ import annotations

import pickle
import random

from vtdata.records.clips import Clip
from vtdata.shard.config import load_pipeline
from vtdata.shard.media import MediaRef
from vtdata.shard.plan import plan_digest, plan_shards


def _clips(per_video: dict[str, int], split: str = "train") -> list[Clip]:
    return [
        Clip(f"{vid}_{k}", vid, float(k), float(k + 1), f"{vid} {k}", split=split)
        for vid, n in per_video.items()
        for k in range(n)
    ]


def _layout(jobs) -> list[tuple[str, list[str]]]:
    return [(j.name, [c.clip_id for v in j.videos for c in v.clips]) for j in jobs]


def test_same_clips_in_any_order_give_the_same_plan(tmp_path):
    clips = _clips({"v1": 3, "v2": 2, "v3": 4}) + _clips({"w1": 2}, split="val")
    config = load_pipeline(None, {"shards.samples_per_shard": 4})
    refs = {c.id: MediaRef(f"/m/{c.id}.mp4") for c in clips}
    first = plan_shards(clips, refs, config, tmp_path)
    shuffled = clips[:]
    random.Random(3).shuffle(shuffled)
    second = plan_shards(shuffled, refs, config, tmp_path)
    assert _layout(first) == _layout(second)
    assert plan_digest(first) == plan_digest(second)
    assert [j.name for j in first] == ["train-000000", "train-000001", "train-000002", "val-000000"]
    # clips of a video in time order, videos in id order
    assert _layout(first)[0][1] == ["v1_0", "v1_1", "v1_2"]


def test_videos_stay_together_unless_the_shard_is_less_than_half_full(tmp_path):
    config = load_pipeline(None, {"shards.samples_per_shard": 4})
    clips = _clips({"a": 3, "b": 3, "c": 1, "d": 9})
    refs = {c.id: MediaRef(f"/m/{c.id}.mp4") for c in clips}
    layout = _layout(plan_shards(clips, refs, config, tmp_path))
    assert [ids for _, ids in layout] == [
        ["a_0", "a_1", "a_2"],  # b does not fit and the shard is 3/4 full: b starts a new one
        ["b_0", "b_1", "b_2", "c_0"],
        ["d_0", "d_1", "d_2", "d_3"],  # a video longer than a shard is cut at the limit
        ["d_4", "d_5", "d_6", "d_7"],
        ["d_8"],
    ]
    config = load_pipeline(None, {"shards.samples_per_shard": 5})
    layout = _layout(plan_shards(_clips({"a": 2, "b": 6}), refs, config, tmp_path))
    # a fills 2/5 (< half): b's first 3 clips complete the shard
    assert [ids for _, ids in layout] == [["a_0", "a_1", "b_0", "b_1", "b_2"], ["b_3", "b_4", "b_5"]]


def test_config_changes_the_digest_and_splits_filter(tmp_path):
    clips = _clips({"v": 2}) + _clips({"w": 1}, split="val")
    refs = {"v": MediaRef("/v.mp4"), "w": MediaRef("/w.mp4")}
    base = plan_shards(clips, refs, load_pipeline(None), tmp_path)
    other = plan_shards(clips, refs, load_pipeline(None, {"sampling.num_frames": 3}), tmp_path)
    assert _layout(base) == _layout(other)
    assert plan_digest(base) != plan_digest(other)
    only_val = plan_shards(clips, refs, load_pipeline(None, {"shards.splits": ["val"]}), tmp_path)
    assert _layout(only_val) == [("val-000000", ["w_0"])]


def test_unknown_ids_are_planned_as_missing_and_jobs_pickle(tmp_path):
    clips = _clips({"known": 1, "stranger": 1})
    jobs = plan_shards(clips, {"known": MediaRef("/k.mp4", "video", "webvid")}, load_pipeline(None), tmp_path)
    tasks = {v.id: v for v in jobs[0].videos}
    assert tasks["known"].path == "/k.mp4" and tasks["known"].dataset == "webvid"
    assert tasks["stranger"].path is None and "stranger" in tasks["stranger"].missing
    assert pickle.loads(pickle.dumps(jobs[0])) == jobs[0]
