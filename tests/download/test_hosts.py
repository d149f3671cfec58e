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
