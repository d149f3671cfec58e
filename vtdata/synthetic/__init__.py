"""The synthetic corpus: a small, seeded world of moving shapes in the three corpora's formats.

    from vtdata.synthetic import SyntheticSpec, generate, SyntheticServer
    corpus = generate(root, SyntheticSpec(seed=0))          # deterministic; reuses files already made
    with SyntheticServer(corpus.root) as server:            # http://127.0.0.1:<port>
        native = corpus.write_native(server.url, out_dir)   # WebVid / HowTo100M / CC3M / table files

`corpus.items` holds the ground truth (`SyntheticItem`) that tests compare results against.
"""

from vtdata.synthetic.captions import youtube_autocaption_vtt
from vtdata.synthetic.corpus import SyntheticCorpus, generate
from vtdata.synthetic.narrated import NARRATION_TRUTH, Sentence, asr_clips, read_truth, true_clips
from vtdata.synthetic.native import NativeFiles
from vtdata.synthetic.server import FAULT_KINDS, SyntheticServer
from vtdata.synthetic.spec import SyntheticSpec
from vtdata.synthetic.truth import CaptionLine, ShownSegment, SpokenWord, SyntheticItem

__all__ = [
    "FAULT_KINDS",
    "NARRATION_TRUTH",
    "CaptionLine",
    "NativeFiles",
    "Sentence",
    "ShownSegment",
    "SpokenWord",
    "SyntheticCorpus",
    "SyntheticItem",
    "SyntheticServer",
    "SyntheticSpec",
    "asr_clips",
    "generate",
    "read_truth",
    "true_clips",
    "youtube_autocaption_vtt",
]
