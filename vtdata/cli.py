"""The `vtdata` command line: one thin command per stage over the library API.

Commands import their stage lazily so `vtdata --help` stays instant (no torch import).
The library never prints; these commands draw progress bars and print summaries.
"""

from __future__ import annotations

import click

from vtdata import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="vtdata")
def main() -> None:
    """Video-text pre-training data: corpus metadata -> downloads -> clips -> WebDataset shards
    -> GPU-ready loaders -> a reference model.

    \b
    Stages, in order:
      sources          read HowTo100M / WebVid / CC3M / plain-table metadata into sources.parquet
      download         fetch media (yt-dlp or HTTP) into a resumable, verified store
      align            turn subtitles / narration into clips.parquet
      shard            sample frames and write WebDataset shards + index
      train-reference  train a small dual encoder on the shards
      evaluate         text<->video retrieval metrics of a checkpoint
    Try `vtdata quickstart` to run everything on a built-in synthetic corpus.
    """


# --- stage commands -------------------------------------------------------------------------
# Each stage adds its command below as a thin wrapper over its library function.
