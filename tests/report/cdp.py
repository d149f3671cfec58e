"""A small DevTools-protocol harness around a real headless Chromium, for the report's browser tests.

`Page.open(url)` loads a page in a fresh browser profile and records what a user's browser would
show as trouble: console errors and uncaught exceptions, every request (any scheme but `file:`
and `data:` is a request that would leave the machine: it is recorded and refused, so none ever
does), and the images that did not load. Nothing here is vtdata-specific.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

BROWSER_ENV = "VTDATA_CHROMIUM"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-default-apps",
    "--disable-extensions",
    "--hide-scrollbars",
    "--remote-debugging-port=0",
]
LOCAL_SCHEMES = ("file:", "data:", "about:")


def find_browser() -> str | None:
    """Chromium's executable: $VTDATA_CHROMIUM, /usr/bin/chromium, or one on PATH."""
    given = os.environ.get(BROWSER_ENV)
    if given:
        return given if Path(given).is_file() else None
    for name in ("/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


@dataclass
class Visit:
    """What happened while a page loaded."""

    console_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)  # every URL the page asked for
    images: list[dict] = field(default_factory=list)

    @property
    def remote_requests(self) -> list[str]:
        return [u for u in self.requests if not u.startswith(LOCAL_SCHEMES)]

    @property
    def broken_images(self) -> list[dict]:
        return [i for i in self.images if not i["complete"] or i["width"] == 0 or i["height"] == 0]


class Browser:
    """One headless Chromium with its own throw-away profile; use as a context manager."""

    def __init__(self, executable: str, width: int = 1400, height: int = 1000) -> None:
        import websocket  # websocket-client, a dev dependency

        self.width, self.height = width, height
        self.profile = tempfile.mkdtemp(prefix="vtdata-chromium-")
        args = [executable, *FLAGS, f"--user-data-dir={self.profile}", f"--window-size={width},{height}"]
        self.process = subprocess.Popen(
            [*args, "about:blank"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        port_file = Path(self.profile) / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not port_file.is_file() or len(port_file.read_text().splitlines()) < 2:
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.close()
                raise RuntimeError(f"{executable} did not start its DevTools endpoint")
            time.sleep(0.05)
        port, path = port_file.read_text().splitlines()[:2]
        self.ws = websocket.create_connection(
            f"ws://127.0.0.1:{port}{path}", timeout=60, suppress_origin=True
        )
        self.next_id = 0
        self.target: str | None = None
        self.events: list[dict] = []

    def send(self, method: str, params: dict | None = None, session: str | None = None) -> dict:
        """Send one command and wait for its answer; events that arrive meanwhile are kept."""
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        self.ws.send(json.dumps(message))
        while True:
            reply = json.loads(self.ws.recv())
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self._event(reply)

    def wait_for(self, method: str, timeout: float = 60) -> dict:
        deadline = time.monotonic() + timeout
        for event in self.events:
            if event.get("method") == method:
                return event
        while time.monotonic() < deadline:
            event = json.loads(self.ws.recv())
            self._event(event)
            if event.get("method") == method:
                return event
        raise TimeoutError(f"no {method} within {timeout} s")

    def _event(self, event: dict) -> None:
        if "method" not in event:
            return
        self.events.append(event)
        if event["method"] == "Fetch.requestPaused":  # local files load; anything else is refused
            request = event["params"]["requestId"]
            if event["params"]["request"]["url"].startswith(LOCAL_SCHEMES):
                method, params = "Fetch.continueRequest", {"requestId": request}
            else:
                method, params = "Fetch.failRequest", {"requestId": request, "errorReason": "BlockedByClient"}
            message = {"id": 0, "method": method, "params": params, "sessionId": event.get("sessionId")}
            self.ws.send(json.dumps(message))

    def visit(self, url: str) -> tuple[Visit, str]:
        """Open `url` in a new tab, wait for it to load; returns what happened, and the tab's session."""
        if self.target is not None:  # one tab at a time: an old tab's animations would cost CPU
            self.send("Target.closeTarget", {"targetId": self.target})
        target = self.target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Runtime", "Log", "Network", "Page"):
            self.send(f"{domain}.enable", session=session)
        self.send("Fetch.enable", {"patterns": [{"urlPattern": "*"}]}, session=session)
        self.events.clear()
        self.send("Page.navigate", {"url": url}, session=session)
        self.wait_for("Page.loadEventFired")
        images = self.evaluate(
            "[...document.images].map(i => ({src: i.src.startsWith('data:') ? i.src.slice(0, 40) : i.src,"
            " complete: i.complete,"
            " width: i.naturalWidth, height: i.naturalHeight}))",
            session,
        )
        visit = Visit(images=images)
        for event in self.events:
            method, params = event["method"], event.get("params", {})
            if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                visit.console_errors.append(
                    " ".join(str(a.get("value", a.get("description"))) for a in params["args"])
                )
            elif method == "Runtime.exceptionThrown":
                visit.console_errors.append(params["exceptionDetails"].get("text", "exception"))
            elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
                visit.console_errors.append(params["entry"].get("text", ""))
            elif method == "Network.requestWillBeSent":
                visit.requests.append(params["request"]["url"])
            elif method == "Fetch.requestPaused":
                visit.requests.append(params["request"]["url"])
        visit.requests = list(dict.fromkeys(visit.requests))
        return visit, session

    def evaluate(self, expression: str, session: str):
        result = self.send(
            "Runtime.evaluate", {"expression": expression, "returnByValue": True}, session=session
        )
        return result["result"].get("value")

    def screenshot(self, session: str, clip: dict | None = None) -> bytes:
        """A PNG of what the window shows, or of `clip` ({x, y, width, height} in page pixels): the
        window is made tall enough and scrolled to it first (drawing only the window keeps software
        rendering quick; a full-page capture of a long page takes a minute)."""
        params: dict = {"format": "png"}
        if clip is not None:
            metrics = {"width": self.width, "height": max(self.height, int(clip["height"]) + 1)}
            metrics |= {"deviceScaleFactor": 1, "mobile": False}
            self.send("Emulation.setDeviceMetricsOverride", metrics, session=session)
            self.evaluate(f"window.scrollTo(0, {int(clip['y'])})", session)
            params["clip"] = {**clip, "scale": 1}
        return base64.b64decode(self.send("Page.captureScreenshot", params, session=session)["data"])

    def close(self) -> None:
        ws = getattr(self, "ws", None)
        if ws is not None:
            ws.close()
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.profile, ignore_errors=True)

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
