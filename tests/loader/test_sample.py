"""Bad data inside shards: a corrupt member is skipped and counted, an unreadable shard reported."""

from __future__ import annotations

import tarfile

import webdataset as wds

from vtdata.loader import VideoTextDataset, make_loader


def _keys(tar):
    return [s["__key__"] for s in wds.WebDataset(str(tar), shardshuffle=False)]


def _rewrite(src, dst, damage):
    """Copy a tar sample by sample, letting `damage(sample)` break some of them."""
    with wds.TarWriter(str(dst)) as sink:
        for sample in wds.WebDataset(str(src), shardshuffle=False):
            sink.write(damage({k: v for k, v in sample.items() if k not in ("__url__", "__local_path__")}))


def test_corrupt_jpeg_and_truncated_mp4_are_skipped_and_counted(tmp_path, shard_sets, caplog):
    frames_tar, clip_tar = shard_sets.frames / "train-000000.tar", shard_sets.clip / "train-000001.tar"
    bad_frames, bad_clip = _keys(frames_tar)[1], _keys(clip_tar)[2]

    def break_jpeg(sample):
        if sample["__key__"] == bad_frames:
            sample["003.jpg"] = sample["003.jpg"][: len(sample["003.jpg"]) // 3]
        return sample

    def break_mp4(sample):
        if sample["__key__"] == bad_clip:
            sample["mp4"] = sample["mp4"][: len(sample["mp4"]) // 2]
        return sample

    _rewrite(frames_tar, tmp_path / "a.tar", break_jpeg)
    _rewrite(clip_tar, tmp_path / "b.tar", break_mp4)
    dataset = VideoTextDataset([str(tmp_path / "a.tar"), str(tmp_path / "b.tar")], sampling="all", size=16)
    with caplog.at_level("WARNING", logger="vtdata.loader"):
        keys = [s["meta"]["key"] for s in dataset]
    assert sorted(keys) == sorted(set(_keys(frames_tar) + _keys(clip_tar)) - {bad_frames, bad_clip})
    assert dataset.skipped == {"samples": 2, "shards": 0}
    assert f"skipped sample {bad_frames}" in caplog.text and "003.jpg" in caplog.text
    assert f"skipped sample {bad_clip}" in caplog.text


def test_unreadable_shard_is_reported_with_its_url(tmp_path, shard_sets, caplog):
    good = shard_sets.frames / "train-000000.tar"
    cut = tmp_path / "cut.tar"
    cut.write_bytes((shard_sets.frames / "train-000001.tar").read_bytes()[:1500])
    missing = tmp_path / "missing.tar"
    loader = make_loader(
        VideoTextDataset([str(missing), str(cut), str(good)], num_frames=2, size=16, train=False),
        batch_size=2,
        num_workers=0,
    )
    with caplog.at_level("WARNING", logger="vtdata.loader"):
        keys = [k for batch in loader for k in batch["key"]]
    assert keys == _keys(good)
    assert f"shard {missing} is unreadable" in caplog.text and f"shard {cut} is unreadable" in caplog.text
    assert loader.skipped["shards"] == 2


def test_sample_cut_short_by_a_truncated_tar_is_refused(tmp_path, shard_sets, caplog):
    src = shard_sets.frames / "train-000001.tar"
    first, second = _keys(src)[:2]
    with tarfile.open(src) as tar:
        member = tar.getmember(f"{second}.010.jpg")
    cut = tmp_path / "cut.tar"
    cut.write_bytes(src.read_bytes()[: member.offset_data + 10])
    dataset = VideoTextDataset(str(cut), num_frames=2, size=16)
    with caplog.at_level("WARNING", logger="vtdata.loader"):
        keys = [s["meta"]["key"] for s in dataset]
    assert keys == [first]
    assert dataset.skipped == {"samples": 1, "shards": 1}
    assert second in caplog.text and "truncated" in caplog.text
