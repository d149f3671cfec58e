"""The tar reader gives exactly webdataset's samples for every tar flavour, and refuses broken tars."""

from __future__ import annotations

import gzip
import io
import tarfile

import pytest
import webdataset as wds
from hypothesis import given, settings
from hypothesis import strategies as st

from vtdata.loader.tars import TarFormatError, TarSamples, _number, group_samples, open_shard, tar_members
from vtdata.shard.tarwriter import ShardWriter


def _write(path, members, fmt=tarfile.PAX_FORMAT, mtime=0.0):
    with tarfile.open(path, "w", format=fmt) as tar:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size, info.mtime = len(data), mtime
            tar.addfile(info, io.BytesIO(data))


def _wds_samples(url):
    return [
        {k: v for k, v in s.items() if k != "__local_path__"}
        for s in wds.DataPipeline(wds.SimpleShardList([url]), wds.tarfile_to_samples())
    ]


def _ours(url):
    errors = []
    samples = list(TarSamples(lambda u, e: errors.append((u, e)))([{"url": url}]))
    return samples, errors


LONG = "k" * 120  # past ustar's 100-byte name field


@pytest.mark.parametrize(
    ("fmt", "mtime"),
    [(tarfile.PAX_FORMAT, 0), (tarfile.PAX_FORMAT, 1.5), (tarfile.GNU_FORMAT, 0), (tarfile.USTAR_FORMAT, 0)],
)
def test_same_samples_as_webdataset_for_each_tar_format(tmp_path, fmt, mtime):
    members = [
        ("a.000.jpg", b"x" * 700),
        ("a.json", b"{}"),
        ("dir/b.TXT", b""),
        ("dir/b.json", b"{1}"),
        ("__info__/x.json", b"skipped, as webdataset does"),
        ("c.txt", bytes(range(256)) * 3),
    ]
    if fmt != tarfile.USTAR_FORMAT:
        members += [(f"{LONG}.txt", b"long"), ("d\u00e9j\u00e0.txt", b"utf8")]
    else:
        members += [(f"{'p' * 90}/{'q' * 90}.txt", b"ustar prefix")]
    path = tmp_path / "t.tar"
    _write(path, members, fmt, mtime)
    samples, errors = _ours(str(path))
    assert errors == [] and samples == _wds_samples(str(path))
    assert [s["__key__"] for s in samples][:3] == ["a", "dir/b", "c"] and "txt" in samples[1]


def test_reads_the_shard_writers_tars_gzip_file_and_pipe_urls(tmp_path):
    writer = ShardWriter(tmp_path, "s")
    for i in range(5):
        writer.write(f"clip{i}_0", {"json": b"{}", "000.jpg": bytes([i]) * (100 + i * 600), "txt": b"t"})
    writer.commit()
    plain = tmp_path / "s.tar"
    packed = tmp_path / "s.tar.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    expected = _wds_samples(str(plain))
    assert len(expected) == 5
    for url in (str(plain), f"file://{plain}", str(packed), f"pipe:cat {packed}", f"pipe:cat {plain}"):
        samples, errors = _ours(url)
        assert errors == [] and [{k: v for k, v in s.items() if k != "__url__"} for s in samples] == [
            {k: v for k, v in s.items() if k != "__url__"} for s in expected
        ]
        assert samples[0]["__url__"] == url


def test_broken_tars_are_reported_and_samples_before_the_break_kept(tmp_path):
    path = tmp_path / "t.tar"
    _write(path, [("a.json", b"1" * 600), ("a.txt", b"a"), ("b.json", b"2" * 600), ("b.txt", b"b")])
    data = path.read_bytes()
    with tarfile.open(path) as tar:
        at = {m.name: (m.offset, m.offset_data) for m in tar}
    cut = tmp_path / "cut.tar"
    cut.write_bytes(data[: at["b.json"][1] + 100])  # inside b.json's data
    samples, errors = _ours(str(cut))
    assert [s["__key__"] for s in samples] == ["a"] and samples[0]["txt"] == b"a"
    assert errors[0][0] == str(cut) and isinstance(errors[0][1], TarFormatError)
    assert "cut short inside member 'b.json'" in str(errors[0][1])

    cut.write_bytes(data[: at["b.txt"][0] + 100])  # in b.txt's header: b.json came whole, b is partial
    samples, errors = _ours(str(cut))
    assert [s["__key__"] for s in samples] == ["a", "b"] and set(samples[1]) == {"__key__", "__url__", "json"}
    assert "cut short in the member header" in str(errors[0][1])

    bad = bytearray(data)
    bad[at["b.json"][0] + 10] ^= 0xFF  # a byte of b.json's header (its name field)
    cut.write_bytes(bytes(bad))
    samples, errors = _ours(str(cut))
    assert [s["__key__"] for s in samples] == ["a"]
    assert f"bad header checksum at byte {at['b.json'][0]}" in str(errors[0][1])

    for content, message in ((b"", "empty file"), (b"not a tar at all" * 40, "checksum")):
        cut.write_bytes(content)
        samples, errors = _ours(str(cut))
        assert samples == [] and message in str(errors[0][1])
    samples, errors = _ours(str(tmp_path / "missing.tar"))
    assert samples == [] and isinstance(errors[0][1], FileNotFoundError)


def test_a_repeated_suffix_in_one_sample_is_an_error(tmp_path):
    path = tmp_path / "t.tar"
    _write(path, [("a.json", b"1"), ("a.JSON", b"2")])
    with open_shard(str(path)) as stream, pytest.raises(TarFormatError, match="second member"):
        list(group_samples(tar_members(stream), str(path)))


@pytest.mark.parametrize("value", [0, 7, 8**11 - 1, 8**11, 2**40 + 3])
def test_numeric_fields_octal_and_base_256(value):
    assert _number(tarfile.itn(value, 12, tarfile.GNU_FORMAT)) == value


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["a", "b", "dir/c", "x" * 101, "\u00fcml"]),
            st.sampled_from(["json", "txt", "000.jpg", "001.jpg", "mp4"]),
            st.binary(max_size=1500),
        ),
        max_size=12,
    )
)
def test_matches_webdataset_on_random_tars(tmp_path_factory, members):
    seen, unique = set(), []
    for key, suffix, data in members:  # webdataset refuses a repeated suffix within a run of one key
        if unique and unique[-1][0] != key:
            seen = set()
        if suffix not in seen:
            seen.add(suffix)
            unique.append((key, suffix, data))
    path = tmp_path_factory.mktemp("h") / "t.tar"
    _write(path, [(f"{k}.{s}", d) for k, s, d in unique])
    samples, errors = _ours(str(path))
    assert errors == [] and samples == _wds_samples(str(path))
