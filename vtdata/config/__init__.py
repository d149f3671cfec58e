"""How every stage reads its options: typed dataclasses built from YAML or dicts with checked keys,
types and ranges (`typed`), dotted KEY=VALUE overrides (`overrides`) and byte sizes (`units`).

The stages own their config dataclasses (`vtdata.download.config.DownloadConfig`,
`vtdata.shard.config.PipelineConfig`, `vtdata.train.params.TrainConfig`, ...): each default lives
there and nowhere else; the command line reads it from the dataclass to show it in `--help`.
"""
