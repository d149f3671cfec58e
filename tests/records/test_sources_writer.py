"""SourcesWriter: the row groups (and so the bytes) never depend on how the rows arrive."""

import random

from vtdata.records.sources import Segment, SourceItem, SourcesWriter, to_arrow, write_sources


def _items(n: int, seed: int = 0) -> list[SourceItem]:
    rng = random.Random(seed)
    items = []
    for k in range(n):
        segments = [Segment(float(j), j + 1.0, f"w{j}") for j in range(rng.choice([0, 0, 1, 3, 9, 40]))]
        items.append(
            SourceItem(f"id{k}", f"id{k}", "howto100m", "video", f"http://h/{k}", segments=segments or None)
        )
    return items


def test_row_groups_do_not_depend_on_the_arrival_of_rows(tmp_path):
    items = _items(700)
    reference = write_sources(iter(items), tmp_path / "a.parquet", batch_size=50, max_segments=120)
    rng = random.Random(1)
    for attempt in range(3):
        path = tmp_path / f"b{attempt}.parquet"
        with SourcesWriter(path, batch_size=50, max_segments=120) as writer:
            start = 0
            while start < len(items):
                size = rng.choice([1, 7, 49, 50, 51, 333])
                writer.add(to_arrow(items[start : start + size]))
                start += size
        assert path.read_bytes() == reference.read_bytes()


def test_groups_close_at_the_row_or_segment_bound(tmp_path):
    import pyarrow.parquet as pq

    items = _items(700)
    path = write_sources(iter(items), tmp_path / "a.parquet", batch_size=50, max_segments=120)
    meta = pq.ParquetFile(path).metadata
    sizes = [meta.row_group(g).num_rows for g in range(meta.num_row_groups)]
    expected, rows, segments = [], 0, 0  # the rule, item by item, as the first writer applied it
    for item in items:
        rows, segments = rows + 1, segments + len(item.segments or ())
        if rows >= 50 or segments >= 120:
            expected.append(rows)
            rows, segments = 0, 0
    expected += [rows] if rows else []
    assert sizes == expected and min(sizes) < 50  # some groups closed by their segments


def test_bytes_equal_a_writer_that_writes_each_group_alone(tmp_path):
    """The reference writes each row group with its own call, as the first writer did; the
    SourcesWriter writes runs of full groups in one call: the file must not tell them apart."""
    import pyarrow.parquet as pq

    from vtdata.records.sources import ARROW_SCHEMA

    for items, size, bound in [(_items(700), 50, 120), (_items(3000, seed=2), 64, 10**6), (_items(9), 1, 5)]:
        reference = tmp_path / "ref.parquet"
        with pq.ParquetWriter(reference, ARROW_SCHEMA) as writer:
            batch, segments = [], 0
            for item in items:
                batch.append(item)
                segments += len(item.segments or ())
                if len(batch) >= size or segments >= bound:
                    writer.write_table(to_arrow(batch))
                    batch, segments = [], 0
            if batch:
                writer.write_table(to_arrow(batch))
        path = tmp_path / "ours.parquet"
        with SourcesWriter(path, batch_size=size, max_segments=bound) as ours:
            ours.add(to_arrow(items[:5]))
            ours.add(to_arrow(items[5:]))
        assert path.read_bytes() == reference.read_bytes()
