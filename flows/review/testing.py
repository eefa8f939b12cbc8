"""Run the workbench in a background thread of this process (tests, benchmarks, screenshots).

A real uvicorn server on a real socket, so a real browser can talk to it; `stop()` ends it.
"""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

import uvicorn

from skiptrace.flows.review.app import create_app
from skiptrace.flows.review.auth import LoginThrottle
from skiptrace.flows.review.server import uvicorn_options

#: Chromium flags for a headless, offline run (no sandbox: CI containers run as root).
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip


def chromium_path() -> str | None:
    """Debian's chromium, if installed (Playwright's own browser downloads are not used)."""
    import shutil

    for candidate in (
        "/usr/bin/chromium",
        shutil.which("chromium"),
        shutil.which("chromium-browser"),
    ):
        if candidate and Path(candidate).is_file():
            return candidate
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class BackgroundServer:
    """The workbench over `db` at http://127.0.0.1:<port>.

    Without a `port`, the server listens on a socket bound here to a free port and handed to
    uvicorn, never closed in between: a port found free and closed (`free_port`) could be
    taken by another process's connection before uvicorn bound it, and the server then failed
    to start ("address already in use"), a failure of the machine's timing, not the code's.
    """

    def __init__(
        self,
        db: Path,
        port: int | None = None,
        *,
        trusted_proxy: str | None = None,
        throttle: LoginThrottle | None = None,
    ) -> None:
        self._socket: socket.socket | None = None
        if port is None:
            self._socket = socket.socket()
            self._socket.bind(("127.0.0.1", 0))
            port = int(self._socket.getsockname()[1])
        self.port = port
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            create_app(db, throttle=throttle),
            **uvicorn_options("127.0.0.1", self.port, trusted_proxy),
        )
        self._server = uvicorn.Server(config)
        sockets = [self._socket] if self._socket is not None else None
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": sockets}, daemon=True
        )

    def start(self, timeout: float = 15.0) -> BackgroundServer:
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the workbench server did not start")
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        if self._socket is not None:
            self._socket.close()
