"""Every knob of a download run in one picklable record, so a job can be shipped to any worker."""

from __future__ import annotations

from dataclasses import dataclass, field

from vtdata.config.workers import default_workers
from vtdata.records.ledger import Reason

BACKENDS = ("auto", "ytdlp", "http")
DEFAULT_USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) vtdata/0.1 (+https://github.com/vtdata)"


@dataclass(frozen=True)
class DownloadConfig:
    """Options of `vtdata download`; the defaults suit a laptop fetching a few thousand items.

    Times are seconds. `deadline` is a hard bound on one item (all attempts, waits and
    verification included), so a run never hangs on one stuck item.
    """

    workers: int = field(default_factory=lambda: default_workers(io_bound=True))  # 8 per core, <= 32
    per_host: int = 4
    timeout: float = 30.0  # connect / read timeout of one request
    deadline: float = 600.0
    retries: int = 3  # extra attempts after the first, for transient failures only
    backoff: float = 1.0  # first retry waits about this long; doubles each time (with jitter)
    backoff_max: float = 60.0
    max_bytes: int | None = 1 << 30
    max_height: int = 360
    subs: tuple[str, ...] = ("en",)
    auto_subs: bool = True
    image_size: int | None = None  # resize images so the short side is this (no upscaling)
    sections: bool = False
    section_pad: float = 1.0
    backend: str = "auto"
    cookies: str | None = None  # Netscape cookies.txt
    proxy: str | None = None
    ytdlp_options: dict = field(default_factory=dict)
    user_agent: str = DEFAULT_USER_AGENT
    allow_local_files: bool = False
    retry_failed: bool = False
    retry_reasons: tuple[str, ...] = ()
    dry_run: bool = False
    cooldown: float = 10.0  # first per-host cool-down after a 429/403 without Retry-After
    max_cooldown: float = 300.0
    host_strikes: int = 5  # consecutive 429/403 rounds after which a host's remaining items are skipped
    host_block_urls: int = 8  # distinct URLs refused (401/403) in a row within 60 s: the host blocks us
    min_rate: float = 1024.0  # bytes/s over `rate_window`; a slower transfer fails as `timeout` (0: off)
    rate_window: float = 30.0
    ignore_opt_out: bool = False  # fetch even what X-Robots-Tag noai/noimageai/noindex opts out of

    def __post_init__(self) -> None:
        if self.backend not in BACKENDS:
            raise ValueError(f"backend {self.backend!r} is not one of {BACKENDS}")
        if self.workers < 1 or self.per_host < 1:
            raise ValueError(f"workers ({self.workers}) and per_host ({self.per_host}) must be >= 1")
        if self.timeout <= 0 or self.deadline <= 0:
            raise ValueError(f"timeout ({self.timeout}) and deadline ({self.deadline}) must be > 0")
        if self.retries < 0:
            raise ValueError(f"retries must be >= 0, got {self.retries}")
        if self.host_block_urls < 1:
            raise ValueError(f"host_block_urls must be >= 1, got {self.host_block_urls}")
        if self.min_rate < 0 or self.rate_window <= 0:
            raise ValueError(
                f"min_rate ({self.min_rate}) must be >= 0 and rate_window ({self.rate_window}) > 0"
            )
        if self.max_height < 1:
            raise ValueError(f"max_height must be >= 1, got {self.max_height}")
        known = {r.value for r in Reason}
        unknown = [r for r in self.retry_reasons if r not in known]
        if unknown:
            raise ValueError(f"unknown failure reason(s) {unknown}; expected some of {sorted(known)}")
