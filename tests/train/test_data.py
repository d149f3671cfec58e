import dataclasses

import pytest
import torch

from vtdata.train.checkpoint import DataCursor
from vtdata.train.data import BatchStream, scan_texts, text_batch, train_loader
from vtdata.train.distributed import Node
from vtdata.train.params import TrainConfig
from vtdata.train.tokenizer import CaptionTokenizer

NODE = Node(0, 1, 0, torch.device("cpu"))


def _config(shards, **changes) -> TrainConfig:
    cfg = TrainConfig(train_shards=str(shards), batch_size=20, num_workers=2, seed=3)
    cfg.model.image_size = 32
    return dataclasses.replace(cfg, **changes)


def _take(stream: BatchStream, frames: list[int]) -> list[tuple[list[str], tuple]]:
    out = []
    for n in frames:
        batch = stream.next(n)
        out.append((batch["key"], tuple(batch["video"].shape), batch["video"].sum().item()))
    return out


@pytest.mark.slow
def test_stream_resumes_mid_epoch_and_across_the_curriculum(toy_shards):
    """Stopping after k batches and resuming from the cursor replays exactly the same batches."""
    cfg = _config(toy_shards)
    schedule = [1] * 7 + [4] * 18  # 192 clips / 20 = 10 batches per epoch: crosses epoch ends too
    straight = _take(BatchStream(lambda n: train_loader(cfg, n, NODE)), schedule)
    first = BatchStream(lambda n: train_loader(cfg, n, NODE))
    head = _take(first, schedule[:13])
    cursor = DataCursor(**dataclasses.asdict(first.cursor))
    assert cursor.frames == 4 and cursor.epoch >= 1
    tail = _take(BatchStream(lambda n: train_loader(cfg, n, NODE), cursor), schedule[13:])
    assert head + tail == straight
    assert straight[0][1][1] == 1 and straight[-1][1][1] == 4
    # epochs differ in order: the same epoch-0 batch is not repeated by epoch 1
    assert straight[7][0] != straight[0][0]


def test_scan_texts_reads_every_caption(toy_shards):
    texts, most = scan_texts(str(toy_shards), "train")
    assert len(texts) == 192 and most == 1
    assert all(t.startswith("a ") and " moves " in t for t in texts)


def test_scan_texts_skips_an_unreadable_shard_with_a_warning(toy_shards, tmp_path, caplog):
    shards = sorted(str(p) for p in toy_shards.glob("*.tar"))
    broken = tmp_path / "broken.tar"
    broken.write_bytes(b"not a tar" * 100)
    with caplog.at_level("WARNING", logger="vtdata.train"):
        texts, _ = scan_texts([*shards, str(broken)], None)
    assert len(texts) == len(scan_texts(shards, None)[0]) > 0
    assert f"shard {broken} is unreadable" in caplog.text


def test_text_batch_for_both_losses():
    tok = CaptionTokenizer.train(["a red disc moves left", "a cat", "a dog"])
    batch = {
        "text": ["a red disc moves left", "a cat"],
        "texts": [["a red disc moves left", "a dog"], ["a cat"]],
    }
    ids, mask = text_batch(batch, tok, "infonce", 3)
    assert mask is None and ids.shape[0] == 2
    ids, mask = text_batch(batch, tok, "milnce", 3)
    assert ids.shape[0] == 6
    assert mask.tolist() == [[True, True, False], [True, False, False]]
    assert ids[1].tolist()[:3] == tok(["a dog"])[0].tolist()[:3]
