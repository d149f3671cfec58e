"""A real HTTP server over a synthetic corpus, for downloads in tests, benchmarks and the quickstart.

Routes (GET and HEAD; files honour single `Range: bytes=a-b` requests with 206/416):
    /media/<file>               a file of `<root>/media/` (video/mp4, text/vtt, image/jpeg, image/png)
    /watch/<id>.html            a page for yt-dlp's generic extractor: `<video><source src=/media/<id>.mp4>`
                                and, when `<id>.en.vtt` exists, `<track kind="captions" srclang="en">`
    /watch/<id>.html?fault=K    the same page, but its video URL is `/fault/K/media/<id>.mp4`
    /watch/<id>.html?subs_fault=K   ... and/or its subtitle URL is `/fault/K/media/<id>.en.vtt`
    /watch/<id>.html?srclang=L  ... its captions track says language L (default en)
    /watch/<id>.html?subs_ext=E ... its captions are `<id>.en.vtt` converted to E (srv3, sbv, ttml)
    /fault/<kind>/<path>        <path> (any route above) served badly: see `vtdata.synthetic.faults`
Fault counters are per full path (with query) and per server; `reset()` clears them and the log.
`requests` logs every answered request as (method, path with query, status), in order.
"""

from __future__ import annotations

import hashlib
import html
import logging
import re
import socket
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from vtdata.records.ids import safe_id
from vtdata.synthetic.faults import FAULT_KINDS, serve_fault
from vtdata.synthetic.subformats import SUBTITLE_FORMATS, converted

log = logging.getLogger(__name__)

CONTENT_TYPES = {
    ".mp4": "video/mp4",
    ".webm": "video/webm",
    ".mkv": "video/x-matroska",
    ".vtt": "text/vtt; charset=utf-8",
    ".srt": "application/x-subrip",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".html": "text/html; charset=utf-8",
    ".json": "application/json",
}
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
_FTYP = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"
Request = tuple[str, str, int]


def content_type(path: str) -> str:
    return CONTENT_TYPES.get(Path(path).suffix.lower(), "application/octet-stream")


def watch_page(video_id: str, video_src: str, subtitles_src: str | None, srclang: str = "en") -> bytes:
    """The HTML of a watch page: one `<video>` with an MP4 `<source>` and a captions track (English)."""
    vid, src = html.escape(video_id), html.escape(video_src)
    track = ""
    if subtitles_src is not None:
        subs = html.escape(subtitles_src)
        lang = html.escape(srclang)
        track = f'\n  <track kind="captions" srclang="{lang}" label="English" src="{subs}" default>'
    return (
        f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>{vid}</title>\n'
        f'<meta property="og:title" content="{vid}">\n</head>\n<body>\n<h1>{vid}</h1>\n'
        f'<video controls preload="none">\n  <source src="{src}" type="video/mp4">{track}\n</video>\n'
        "</body>\n</html>\n"
    ).encode()


class _HTTPServer(ThreadingHTTPServer):
    """Tracks live connections and handler threads so `stop` can end them all."""

    daemon_threads = True
    block_on_close = False
    # socketserver's default backlog of 5 stalls >= 8 concurrent fresh connections by ~1 s each.
    request_queue_size = 128
    owner: SyntheticServer

    def __init__(self, address: tuple[str, int], handler: type, owner: SyntheticServer):
        self.owner = owner
        self.live: dict[threading.Thread, socket.socket] = {}
        self.live_lock = threading.Lock()
        super().__init__(address, handler)

    def process_request(self, request, client_address) -> None:
        thread = threading.Thread(
            target=self._serve_one, args=(request, client_address), daemon=True, name="synthetic-http"
        )
        with self.live_lock:
            self.live[thread] = request
        thread.start()

    def _serve_one(self, request, client_address) -> None:
        try:
            self.process_request_thread(request, client_address)
        finally:
            with self.live_lock:
                self.live.pop(threading.current_thread(), None)

    def handle_error(self, request, client_address) -> None:
        log.debug("synthetic server: connection from %s ended with an error", client_address, exc_info=True)

    def close_connections(self, timeout: float) -> None:
        with self.live_lock:
            live = list(self.live.items())
        for _, sock in live:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        for thread, _ in live:
            thread.join(timeout)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "vtdata-synthetic/1"
    timeout = 30  # an idle keep-alive connection ends on its own
    server: _HTTPServer

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        status = code.value if isinstance(code, HTTPStatus) else int(code) if str(code).isdigit() else 0
        self.server.owner._log(self.command, self.path, status)

    def log_message(self, fmt: str, *args) -> None:
        log.debug("synthetic server: " + fmt, *args)

    def do_GET(self) -> None:
        self._route(body=True)

    def do_HEAD(self) -> None:
        self._route(body=False)

    # -- routing -------------------------------------------------------------------------------

    def _route(self, body: bool) -> None:
        owner = self.server.owner
        split = urlsplit(self.path)
        path = split.path
        fault = None
        if path.startswith("/fault/"):
            fault, _, rest = path[len("/fault/") :].partition("/")
            path = "/" + rest
            if fault not in FAULT_KINDS:
                return self._error(400, f"unknown fault kind {fault!r}; use one of {', '.join(FAULT_KINDS)}")
        content, ctype = self._resolve(path, parse_qs(split.query))
        if content is None:
            return self._error(404, f"{path} not found")
        if fault is None:
            return self._send(content, ctype, body)
        first = owner._count(self.path) == 1
        serve_fault(self, fault, path, content, ctype, body, first)

    def _resolve(self, path: str, query: dict[str, list[str]]) -> tuple[bytes | None, str]:
        media = self.server.owner.root / "media"
        if path.startswith("/media/"):
            name = path[len("/media/") :]
            if "/" in name or name.startswith("."):
                return None, ""
            data = converted(media, name) or (
                (media / name).read_bytes() if (media / name).is_file() else None
            )
            return data, content_type(name) if data is not None else ""
        if path.startswith("/watch/") and path.endswith(".html"):
            vid = path[len("/watch/") : -len(".html")]
            if safe_id(vid) != vid or not (media / f"{vid}.mp4").is_file():
                return None, ""
            subs_ext = query.get("subs_ext", ["vtt"])[0]
            if subs_ext not in SUBTITLE_FORMATS:
                return None, ""
            video, subs = f"/media/{vid}.mp4", f"/media/{vid}.en.{subs_ext}"
            fault, subs_fault = query.get("fault", [""])[0], query.get("subs_fault", [""])[0]
            if fault:
                video = f"/fault/{fault}{video}"
            if subs_fault:
                subs = f"/fault/{subs_fault}{subs}"
            has_subs = (media / f"{vid}.en.vtt").is_file()
            lang = query.get("srclang", ["en"])[0]  # a hostile site's language code (`en/../../x`)
            return watch_page(vid, video, subs if has_subs else None, lang), CONTENT_TYPES[".html"]
        return None, ""

    # -- responses -----------------------------------------------------------------------------

    def _error(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        data = f"<html><body><h1>{status}</h1><p>{html.escape(message)}</p></body></html>\n".encode()
        self.send_response(status)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Type", CONTENT_TYPES[".html"])
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def _byte_range(self, size: int) -> tuple[int, int] | None | bool:
        """(first, last) for a satisfiable single range, None for no/ignored Range, False for 416."""
        match = _RANGE.match(self.headers.get("Range", "").strip())
        if not match or match.groups() == ("", ""):
            return None
        first, last = match.groups()
        if first == "":  # suffix range: the last N bytes
            n = int(last)
            return (max(0, size - n), size - 1) if n > 0 and size > 0 else False
        start = int(first)
        end = min(int(last), size - 1) if last else size - 1
        if start >= size or (last and int(last) < start):
            return False
        return start, end

    def _redirect(self, location: str) -> None:
        data = b"<html><body>moved</body></html>\n"
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Type", CONTENT_TYPES[".html"])
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def _send(
        self,
        data: bytes,
        ctype: str,
        body: bool,
        *,
        pace: tuple[int, float] | None = None,
        ranges: bool = True,
        headers: dict[str, str] | None = None,
    ) -> None:
        """Answer 200/206/416 with `data`; `pace` = (bytes, seconds) sends it that slowly."""
        size = len(data)
        span = self._byte_range(size) if ranges else None
        if span is False:
            self.send_response(416)
            self.send_header("Content-Range", f"bytes */{size}")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if span is None:
            self.send_response(200)
            start, end = 0, size - 1
        else:
            start, end = span
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(end - start + 1))
        if ranges:
            self.send_header("Accept-Ranges", "bytes")
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if not body:
            return
        payload = data[start : end + 1]
        if pace is None:
            self.wfile.write(payload)
            return
        owner = self.server.owner
        chunk, interval = pace
        owner._slow_started()
        try:
            for k in range(0, len(payload), chunk):
                if owner._stopping.wait(interval):
                    self.close_connection = True
                    return
                self.wfile.write(payload[k : k + chunk])
                self.wfile.flush()
        finally:
            owner._slow_ended()

    def _send_truncated(self, data: bytes, ctype: str, body: bool) -> None:
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        if body:
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()

    def _garbage(self, size: int) -> bytes:
        size = max(size, 4096)
        out = bytearray(_FTYP)
        seed = hashlib.sha256(self.path.encode()).digest()
        while len(out) < size:
            seed = hashlib.sha256(seed).digest()
            out += seed
        return bytes(out[:size])


class SyntheticServer:
    """Serve `<root>/media` (and pages and faults over it) on 127.0.0.1 at an ephemeral port.

    Use as a context manager, or `start()` / `stop()`. `url` is `http://127.0.0.1:<port>` once
    started. `stop()` closes open connections (a slow transfer included) and joins every handler
    thread, so it returns within a few seconds. Routes and fault kinds: module docstring.
    """

    def __init__(
        self,
        root: str | Path,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        slow_interval: float = 1.0,
        slow_chunk: int = 256,
    ):
        self.root = Path(root)
        self.host = host
        self.port = port  # 0: an ephemeral port
        self.slow_interval = slow_interval
        self.slow_chunk = slow_chunk
        self.requests: list[Request] = []
        self.slow_in_flight = 0  # slow transfers being sent now
        self.slow_peak = 0  # the most at once since start or reset: what concurrency limits are tested by
        self._counts: dict[str, int] = {}
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        if self._httpd is None:
            raise RuntimeError("SyntheticServer is not running; call start() or use it as a context manager")
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> SyntheticServer:
        if self._httpd is not None:
            return self
        if not (self.root / "media").is_dir():
            raise FileNotFoundError(
                f"{self.root / 'media'} does not exist; run vtdata.synthetic.generate(root) first"
            )
        self._stopping.clear()
        self._httpd = _HTTPServer((self.host, self.port), _Handler, self)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.1},
            daemon=True,
            name="synthetic-server",
        )
        self._thread.start()
        log.info("synthetic server on %s serving %s", self.url, self.root)
        return self

    def stop(self, timeout: float = 5.0) -> None:
        if self._httpd is None:
            return
        httpd, self._httpd = self._httpd, None
        self._stopping.set()
        httpd.shutdown()
        httpd.close_connections(timeout)
        httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def __enter__(self) -> SyntheticServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def reset(self) -> None:
        """Forget the request log and the per-path fault counters."""
        with self._lock:
            self.requests.clear()
            self._counts.clear()
            self.slow_peak = self.slow_in_flight

    def count(self, path: str, method: str | None = None) -> int:
        """How many logged requests had exactly this path (with query), and this method if given."""
        with self._lock:
            return sum(1 for m, p, _ in self.requests if p == path and (method is None or m == method))

    def _count(self, path: str) -> int:
        with self._lock:
            self._counts[path] = self._counts.get(path, 0) + 1
            return self._counts[path]

    def _slow_started(self) -> None:
        with self._lock:
            self.slow_in_flight += 1
            self.slow_peak = max(self.slow_peak, self.slow_in_flight)

    def _slow_ended(self) -> None:
        with self._lock:
            self.slow_in_flight -= 1

    def _log(self, method: str, path: str, status: int) -> None:
        with self._lock:
            self.requests.append((method, path, status))
