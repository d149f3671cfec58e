"""Clips -> WebDataset shards: planning, the shard job, the tar writer, index and stats, engines.

Library entry points: `vtdata.shard.run.shard` (the whole stage), `vtdata.shard.plan.plan_shards`
and `vtdata.shard.job.run_shard_job` (the unit of work any engine can run).
"""
