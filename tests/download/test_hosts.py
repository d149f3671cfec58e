import pytest

from vtdata.download.hosts import HostGate, host_of
from vtdata.download.retry import FetchError, http_status_error
from vtdata.records.ledger import Reason


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


def test_host_of():
    assert host_of("https://WWW.YouTube.com/watch?v=x") == "www.youtube.com"
    assert host_of("http://127.0.0.1:8000/a.mp4") == "127.0.0.1"
    assert host_of("file:///tmp/x.mp4") == "local"
    assert host_of("/tmp/x.mp4") == "local"


def test_retry_after_sets_the_cool_down_and_wait_sleeps_it_out():
    clock = Clock()
    gate = HostGate(base=10, cap=300, clock=clock)
    assert gate.remaining("h") == 0
    assert gate.penalize("h", http_status_error(429, "HTTP 429", retry_after=2.0)) == 2.0
    assert gate.remaining("h") == pytest.approx(2.0)
    assert gate.remaining("other") == 0
    gate.wait("h", deadline=clock.now + 60, sleep=clock.sleep)
    assert clock.now == pytest.approx(102.0)
    assert gate.cooldowns == 1


def test_without_retry_after_the_pause_doubles_per_strike_up_to_the_cap():
    clock = Clock()
    gate = HostGate(base=10, cap=35, max_strikes=10, clock=clock)
    pauses = []
    for _ in range(4):
        pauses.append(gate.penalize("h", FetchError(Reason.BLOCKED, "HTTP 403")))
        clock.now += pauses[-1]
    assert pauses == [10, 20, 35, 35]


def test_refusals_during_a_cool_down_add_no_strike_and_success_resets():
    clock = Clock()
    gate = HostGate(base=10, max_strikes=2, clock=clock)
    error = http_status_error(429, "HTTP 429 Too Many Requests")
    gate.penalize("h", error)
    gate.penalize("h", error)  # a second in-flight request hitting the same wall
    assert gate.given_up("h") is None
    clock.now += 11
    gate.succeed("h")
    gate.penalize("h", error)
    assert gate.given_up("h") is None
    clock.now += 11
    gate.penalize("h", error)
    given_up = gate.given_up("h")
    assert given_up.reason is Reason.RATE_LIMITED
    assert "--retry-failed --reason rate_limited" in given_up.message
    assert "HTTP 429 Too Many Requests" in given_up.message


def test_wait_past_the_deadline_fails_with_the_hosts_reason():
    clock = Clock()
    gate = HostGate(clock=clock)
    gate.penalize("h", FetchError(Reason.BLOCKED, "Sign in to confirm you're not a bot", retry_after=50))
    with pytest.raises(FetchError) as info:
        gate.wait("h", deadline=clock.now + 10, sleep=clock.sleep)
    assert info.value.reason is Reason.BLOCKED
    assert "not a bot" in info.value.message
    assert clock.now == 100.0  # did not sleep in vain


def test_a_per_file_403_cools_nothing_until_enough_distinct_urls_are_refused():
    clock = Clock()
    gate = HostGate(base=10, cap=300, clock=clock, block_urls=3, block_window=60.0)
    forbidden = http_status_error(403, "HTTP 403 Forbidden")
    assert gate.refused("h", "http://h/a", forbidden) == 0
    assert gate.refused("h", "http://h/a", forbidden) == 0  # the same URL again is not a new one
    assert gate.refused("h", "http://h/b", forbidden) == 0
    gate.succeed("h")  # a success between: the run starts again
    assert gate.refused("h", "http://h/c", forbidden) == 0
    clock.sleep(61)  # older than the window: forgotten
    assert gate.refused("h", "http://h/d", forbidden) == 0
    assert gate.refused("h", "http://h/e", forbidden) == 0
    assert gate.remaining("h") == 0 and gate.cooldowns == 0
    assert gate.refused("h", "http://h/f", forbidden) == 10  # three distinct in a row: the host blocks us
    assert gate.cooldowns == 1 and gate.remaining("h") == 10
    assert gate.refused("other", "http://o/a", http_status_error(429, "HTTP 429")) == 10  # 429: at once
    bot = FetchError(Reason.BLOCKED, "Sign in to confirm you're not a bot")
    assert gate.refused("yt", "https://yt/watch?v=1", bot) == 10  # a bot check: at once


def _image_items(server, corpus, tag: str, forbidden: set[int], n: int = 60) -> list:
    from vtdata.records.sources import SourceItem

    images = corpus.of("cc3m")
    items = []
    for k in range(n):
        image = images[k % len(images)]
        path = f"/fault/403/media/{image.file}" if k in forbidden else f"/media/{image.file}"
        url = f"{server.url}{path}?t={tag}&n={k}"
        items.append(SourceItem(id=f"img{k}", source_id=f"img{k}", dataset="cc3m", media="image", url=url))
    return items


@pytest.mark.slow
def test_mixed_host_per_file_403s_do_not_cool_the_host(synthetic_server, synthetic_corpus, tmp_path):
    import time
    import uuid

    from vtdata.download.config import DownloadConfig
    from vtdata.download.runner import download

    config = DownloadConfig(workers=8, per_host=4, timeout=5.0, deadline=60.0)  # default --cooldown 10 s
    tag = uuid.uuid4().hex[:8]
    forbidden = set(range(3, 60, 6))  # 10 of 60, spread as a CDN's hotlink refusals are
    good = [
        i
        for k, i in enumerate(_image_items(synthetic_server, synthetic_corpus, tag, forbidden))
        if k not in forbidden
    ]
    started = time.monotonic()
    alone = download(good, tmp_path / "alone", config)
    baseline = time.monotonic() - started
    assert alone.ok == 50

    mixed_items = _image_items(synthetic_server, synthetic_corpus, tag + "m", forbidden)
    started = time.monotonic()
    mixed = download(mixed_items, tmp_path / "mixed", config)
    seconds = time.monotonic() - started
    print(f"50 good items alone {baseline:.2f} s; with 10 per-file 403s {seconds:.2f} s")
    assert mixed.ok == 50 and mixed.failed == {"blocked": 10}
    assert mixed.cooldowns == 0  # was: 10 host cool-downs, 101.8 s
    assert seconds <= 3 * baseline + 5.0


@pytest.mark.slow
def test_a_host_refusing_many_distinct_urls_is_still_cooled(synthetic_server, synthetic_corpus, tmp_path):
    import uuid

    from vtdata.download.config import DownloadConfig
    from vtdata.download.runner import download

    config = DownloadConfig(workers=4, per_host=4, timeout=5.0, deadline=60.0, cooldown=0.3, host_strikes=2)
    items = _image_items(synthetic_server, synthetic_corpus, uuid.uuid4().hex[:8], set(range(30)), n=30)
    synthetic_server.reset()
    summary = download(items, tmp_path / "store", config)
    assert summary.failed == {"blocked": 30} and summary.cooldowns >= 1
    asked = sum(1 for _, path, status in synthetic_server.requests if status == 403)
    assert asked < 30  # after two rounds of refusals the host's remaining items are not even asked
