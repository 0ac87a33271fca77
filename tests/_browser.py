"""Headless Chromium driven over the DevTools protocol, for the browser test of the HTML report.

A small client: start the browser with a fresh profile and no network services, open a page,
run JavaScript in it and read the value back, switch between screen and print media, take
screenshots and print to PDF. Used by ``tests/test_html_report.py``.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path
from types import TracebackType
from typing import Any

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "chromium", "chromium-browser")

#: 210 mm less the report's 10 mm side margins (``@page``), in CSS pixels (96 per inch)
A4_PRINT_WIDTH = round((210 - 2 * 10) / 25.4 * 96)
#: 297 mm less the report's 12 mm top and 14 mm bottom margins, in CSS pixels
A4_PRINT_HEIGHT = round((297 - 12 - 14) / 25.4 * 96)


def find_chromium() -> str | None:
    """The browser named by ``$CHROMIUM`` when set, else Debian's chromium (or another on PATH);
    None when there is none."""
    chosen = os.environ.get("CHROMIUM")
    for name in (chosen,) if chosen else CHROMIUM_CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


class Browser:
    """One headless Chromium with one page; a context manager that always ends the browser."""

    def __init__(self, executable: str, timeout: float = 60.0) -> None:
        import websocket  # the dev extra's websocket-client

        self._profile = tempfile.TemporaryDirectory(
            prefix="contract-rules-chromium-",
            # chromium's helper processes may still write to the profile as the browser ends
            ignore_cleanup_errors=True,
        )
        self.timeout = timeout
        self.proc = subprocess.Popen(
            [
                executable,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--hide-scrollbars",
                "--font-render-hinting=none",
                f"--user-data-dir={self._profile.name}",
                "--remote-debugging-port=0",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            port = self._port()
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as r:
                targets = json.load(r)
            page = next(t for t in targets if t.get("type") == "page")
            self.ws = websocket.create_connection(
                page["webSocketDebuggerUrl"], timeout=timeout, suppress_origin=True
            )
        except BaseException:
            self.close()
            raise
        self._next = 0
        self._events: list[dict[str, Any]] = []
        self.call("Page.enable")
        self.call("Runtime.enable")

    def _port(self) -> int:
        active = Path(self._profile.name) / "DevToolsActivePort"
        end = time.monotonic() + self.timeout
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                raise RuntimeError(f"chromium exited with {self.proc.returncode}")
            if active.exists():
                lines = active.read_text().splitlines()
                if lines and lines[0].isdigit():
                    return int(lines[0])
            time.sleep(0.05)
        raise TimeoutError("chromium did not open its DevTools port")

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        """Send one DevTools command and return its result (events that arrive meanwhile are
        kept for :meth:`wait_for`)."""
        self._next += 1
        self.ws.send(json.dumps({"id": self._next, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == self._next:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                result: dict[str, Any] = msg.get("result", {})
                return result
            if "method" in msg:
                self._events.append(msg)

    def wait_for(self, event: str) -> dict[str, Any]:
        """The next DevTools event named ``event``."""
        end = time.monotonic() + self.timeout
        while time.monotonic() < end:
            for i, msg in enumerate(self._events):
                if msg["method"] == event:
                    del self._events[: i + 1]
                    params: dict[str, Any] = msg.get("params", {})
                    return params
            self._events.append(json.loads(self.ws.recv()))
        raise TimeoutError(f"no {event}")

    def open(self, path: Path, width: int, height: int = 900, media: str = "screen") -> None:
        """Load ``path`` in a viewport of ``width`` × ``height`` CSS pixels, rendered for
        ``media`` (``screen`` or ``print``)."""
        self.layout(width, height, media)
        self._events.clear()
        self.call("Page.navigate", url=path.resolve().as_uri())
        self.wait_for("Page.loadEventFired")

    def layout(self, width: int, height: int = 900, media: str = "screen") -> None:
        """Resize the viewport and choose the CSS media of the page already open."""
        self.call(
            "Emulation.setDeviceMetricsOverride",
            width=width,
            height=height,
            deviceScaleFactor=1,
            mobile=False,
        )
        self.call("Emulation.setEmulatedMedia", media=media)

    def evaluate(self, expression: str) -> Any:
        """The JSON value of ``expression`` evaluated in the page."""
        result = self.call(
            "Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True
        )
        if "exceptionDetails" in result:
            raise RuntimeError(f"page script failed: {result['exceptionDetails']}")
        return result["result"].get("value")

    def screenshot(self, path: Path, width: int, height: int) -> None:
        """A PNG of the page's top ``width`` × ``height`` CSS pixels."""
        shot = self.call(
            "Page.captureScreenshot",
            format="png",
            captureBeyondViewport=True,
            clip={"x": 0, "y": 0, "width": width, "height": height, "scale": 1},
        )
        path.write_bytes(base64.b64decode(shot["data"]))

    def pdf(self) -> bytes:
        """The page printed as the browser's "print to PDF" does (the page's own ``@page``)."""
        out = self.call("Page.printToPDF", preferCSSPageSize=True, printBackground=True)
        return base64.b64decode(out["data"])

    def close(self) -> None:
        """End the browser (this process only) and remove its profile."""
        ws = getattr(self, "ws", None)
        if ws is not None:
            ws.close()
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self._profile.cleanup()

    def __enter__(self) -> Browser:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
