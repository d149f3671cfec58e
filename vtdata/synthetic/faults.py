"""The fault modes of the synthetic server: `/fault/<kind>/<path>` serves `<path>` badly.

Each kind is one way a real host misbehaves, so the download stage can be tested against it:
    404          404 Not Found
    403          403 Forbidden, every time (a CDN refusing one file: hotlink protection)
    500-then-ok  the first request of each path answers 500, later ones serve it
    429          the first request of each path answers 429 with `Retry-After: 1`, later ones serve it
    slow         headers at once, then `slow_chunk` bytes every `slow_interval` seconds
    trickle      headers at once, then 1 byte per second (a stalled transfer that never quite stops)
    truncated    Content-Length of the whole file, half the body, then the connection closes
    corrupt      200 video/mp4 (or the path's type): an `ftyp` box, then deterministic garbage
    html         200 with an HTML "video unavailable" page, labelled with the path's type (video/mp4)
    html-text    the same page labelled text/html
    redirect     302 to `<path>` on the same server (served normally)
    redirect-ftp 302 to `ftp://<host>:<port><path>` (a scheme no downloader may follow)
    noai         the file, with `X-Robots-Tag: noai, noimageai` (the owner opts out of AI training)
    robots-vtdata   the file, with `X-Robots-Tag: vtdata: noindex` (aimed at vtdata's user agent)
    robots-other    the file, with `X-Robots-Tag: otherbot: noai` (aimed at someone else: no opt-out)
"""

from __future__ import annotations

import random

ERROR_PAGE = (
    b"<!DOCTYPE html><html><head><title>Video unavailable</title></head>"
    b"<body><h1>This video is no longer available</h1>"
    b"<p>Error 4711. Please try again later.</p></body></html>\n"
)

FAULT_KINDS = (
    "404",
    "403",
    "500-then-ok",
    "429",
    "slow",
    "trickle",
    "truncated",
    "corrupt",
    "html",
    "html-text",
    "redirect",
    "redirect-ftp",
    "noai",
    "robots-vtdata",
    "robots-other",
)
ROBOTS = {
    "noai": "noai, noimageai",
    "robots-vtdata": "vtdata: noindex",
    "robots-other": "otherbot: noai",
}
TRICKLE = (1, 1.0)  # bytes, seconds


def serve_fault(handler, fault: str, path: str, content: bytes, ctype: str, body: bool, first: bool) -> None:
    """Answer one request for `path` (its `content` resolved) as the fault `fault` asks.

    `handler` is the server's request handler (its `_send`, `_error`, ... do the writing); `first`
    says whether this is the first request of the full path since the last reset.
    """
    if fault == "404":
        handler._error(404, "not found (fault mode)")
    elif fault == "403":
        handler._error(403, "forbidden (fault mode: hotlinking refused)")
    elif fault in ("500-then-ok", "429") and first:
        retry = {"Retry-After": "1"} if fault == "429" else {}
        handler._error(int(fault[:3]), f"fault mode {fault}", retry)
    elif fault == "slow":
        owner = handler.server.owner
        handler._send(content, ctype, body, pace=(owner.slow_chunk, owner.slow_interval))
    elif fault == "trickle":
        handler._send(content, ctype, body, pace=TRICKLE)
    elif fault == "truncated":
        handler._send_truncated(content, ctype, body)
    elif fault == "corrupt":
        handler._send(handler._garbage(len(content)), ctype, body)
    elif fault in ("html", "html-text"):
        from vtdata.synthetic.server import CONTENT_TYPES

        label = ctype if fault == "html" else CONTENT_TYPES[".html"]
        handler._send(ERROR_PAGE, label, body, ranges=False)
    elif fault in ("redirect", "redirect-ftp"):
        host, port = handler.server.server_address[:2]
        target = path if fault == "redirect" else f"ftp://{host}:{port}{path}"
        handler._redirect(target)
    elif fault in ROBOTS:
        handler._send(content, ctype, body, headers={"X-Robots-Tag": ROBOTS[fault]})
    else:
        handler._send(content, ctype, body)


# Damage to a file itself (not to how it is served): a download that is broken inside.


def flip_second_half(data: bytes, n: int = 200, seed: int = 1) -> bytes:
    """An mp4 with `n` bytes inverted in the second half of its `mdat` (the frames), its `moov`
    (the index) untouched: it still demuxes and its first frame decodes, so it passes download
    verification, but the decoder conceals broken macroblocks from there on."""
    start = data.index(b"mdat") + 4
    end = data.index(b"moov") - 4
    if end <= start:
        raise ValueError("flip_second_half needs an mp4 whose moov comes after its mdat")
    out = bytearray(data)
    rng = random.Random(seed)
    for _ in range(n):
        out[rng.randrange((start + end) // 2, end)] ^= 0xFF
    return bytes(out)
