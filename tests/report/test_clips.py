"""`vtdata.report.clips` and `discover.batches`: a clips table read a batch at a time, exactly."""

import numpy as np

from vtdata.records import clips as clip_records
from vtdata.records.clips import Clip, write_clips
from vtdata.report.clips import read_clips
from vtdata.report.discover import batches


def test_a_table_is_read_in_batches_and_summed_exactly(tmp_path):
    rng = np.random.default_rng(0)
    lengths = rng.uniform(1, 20, 30_000).round(3)
    clips = (
        Clip(f"v{i}_0", f"v{i}", 0.0, float(length), " ".join(["word"] * (1 + i % 9)))
        for i, length in enumerate(lengths)
    )
    path = tmp_path / "clips.parquet"
    write_clips(clips, path, batch_size=4096)
    sizes = [t.num_rows for t in batches(path, clip_records.TABLE, ["start", "end", "text"], size=7000)]
    assert sizes == [7000, 7000, 7000, 7000, 2000]
    facts = read_clips(path, seed=0)
    assert facts.clips == 30_000 and facts.lengths.count == 30_000
    assert np.isclose(facts.lengths.total, lengths.sum()) and facts.lengths.high == lengths.max()
    assert len(facts.lengths.sample) == 20_000  # bounded, whatever the table's size
    assert facts.words.low == 1 and facts.words.high == 9
    assert facts.items is None and facts.losses == []  # no clips.report.json beside it


def test_align_losses_leave_out_what_download_already_lost(tmp_path):
    import json

    from vtdata.records.names import report_path

    path = tmp_path / "clips.parquet"
    write_clips([Clip("a_0", "a", 0.0, 2.0, "one two")], path)
    report_path(path).write_text(
        json.dumps(
            {
                "items": 5,
                "items_with_clips": 1,
                "drops": {"item:not_downloaded": 3, "item:no_text": 1, "clip:too_short": 4},
                "item_drops": [
                    {"id": "b", "reason": "not_downloaded", "message": "no ok row in the ledger"},
                    {"id": "c", "reason": "no_text", "message": "c: no caption <none>"},
                ],
            }
        )
    )
    facts = read_clips(path, seed=0)
    assert facts.not_downloaded == 3
    assert [(x.stage, x.reason, x.count, x.examples) for x in facts.losses] == [
        ("align", "no_text", 1, [("c", "c: no caption <none>")])
    ]
