import email.utils
import http.client
import random
import socket
import time

import pytest

from vtdata.download.retry import FetchError, RetryPolicy, http_status_error, network_error, parse_retry_after
from vtdata.records.ledger import Reason


@pytest.mark.parametrize(
    "status,reason,transient",
    [
        (404, Reason.NOT_FOUND, False),
        (410, Reason.NOT_FOUND, False),
        (403, Reason.BLOCKED, False),
        (429, Reason.RATE_LIMITED, False),
        (451, Reason.UNAVAILABLE, False),
        (400, Reason.HTTP_ERROR, False),
        (408, Reason.TIMEOUT, True),
        (500, Reason.HTTP_ERROR, True),
        (503, Reason.HTTP_ERROR, True),
    ],
)
def test_http_status_mapping(status, reason, transient):
    error = http_status_error(status, f"HTTP {status}")
    assert (error.reason, error.transient, error.status) == (reason, transient, status)


@pytest.mark.parametrize(
    "exc,reason,transient",
    [
        (TimeoutError("timed out"), Reason.TIMEOUT, True),
        (ConnectionResetError(104, "Connection reset by peer"), Reason.NETWORK, True),
        (http.client.RemoteDisconnected("closed"), Reason.NETWORK, True),
        (ConnectionRefusedError(111, "Connection refused"), Reason.NETWORK, False),
        (socket.gaierror(-2, "Name or service not known"), Reason.NETWORK, False),
        (http.client.IncompleteRead(b"abc", 7), Reason.CORRUPT, False),
        (ValueError("weird"), Reason.ERROR, False),
    ],
)
def test_network_error_mapping(exc, reason, transient):
    error = network_error(exc)
    assert (error.reason, error.transient) == (reason, transient)


def test_incomplete_read_message_counts_bytes():
    assert (
        network_error(http.client.IncompleteRead(b"abc", 7)).message
        == "truncated body: received 3 of 10 bytes"
    )


def test_retry_only_transient_and_rate_limited_within_budget():
    policy = RetryPolicy(retries=2)
    not_found = http_status_error(404, "HTTP 404")
    server = http_status_error(500, "HTTP 500")
    limited = http_status_error(429, "HTTP 429", retry_after=1.0)
    assert not policy.should_retry(not_found, 1)
    assert policy.should_retry(server, 1) and policy.should_retry(server, 2)
    assert not policy.should_retry(server, 3)
    assert policy.should_retry(limited, 1)
    assert not policy.should_retry(http_status_error(403, "HTTP 403"), 1)


def test_backoff_grows_exponentially_with_jitter_and_cap():
    policy = RetryPolicy(retries=10, base=1.0, cap=5.0)
    error = FetchError(Reason.TIMEOUT, "t", transient=True)
    rng = random.Random(0)
    for attempt, full in [(1, 1.0), (2, 2.0), (3, 4.0), (4, 5.0), (8, 5.0)]:
        delays = [policy.delay(error, attempt, rng) for _ in range(50)]
        assert all(0.5 * full <= d <= full for d in delays)
        assert len(set(delays)) > 1  # jittered


def test_retry_after_wins_over_backoff():
    policy = RetryPolicy(base=100.0)
    assert policy.delay(http_status_error(429, "x", retry_after=1.0), 5) == 1.0


def test_parse_retry_after():
    assert parse_retry_after("1") == 1.0
    assert parse_retry_after(" 120 ") == 120.0
    now = time.time()
    date = email.utils.formatdate(now + 30, usegmt=True)
    assert 28 <= parse_retry_after(date, now=now) <= 31
    assert parse_retry_after(email.utils.formatdate(now - 30, usegmt=True), now=now) == 0.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None
