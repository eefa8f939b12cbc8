"""What `skiptrace run` asks of Prefect when no server is running: only what one process needs.

Without PREFECT_API_URL, Prefect starts an ephemeral API server (a uvicorn subprocess over
the SQLite database under PREFECT_HOME) for the length of the run. Measured at 2,000 accounts
(docs/performance.md, "Prefect start-up"), Prefect's fixed cost was 10-20 s on this machine, and
two parts of it buy nothing in that mode:

- Flow-run heartbeats. Every flow run (the refresh and its three subflows) keeps a heartbeat
  thread, and leaving a flow run joins it: up to a second each, as the thread sleeps in
  one-second steps. Heartbeats let a server notice a crashed run; an ephemeral server ends with
  the process that would send them, so nothing is there to notice. They are turned off for the
  ephemeral run only; against a running server Prefect's own setting applies.

- The server module in the command's own process. Prefect starts its ephemeral server from
  `prefect.server.api.server` (FastAPI, SQLAlchemy, every API route: 2.5 s of imports on a quiet
  machine) only to reach the class that spawns `uvicorn` in a subprocess, then waits for the
  subprocess, which imports the same module again, to answer. `EarlyServer` spawns that same
  subprocess itself, the way Prefect does (same command, same environment, same
  PREFECT_HOME database, same services), before Prefect is even imported: the server boots on
  the second core while the command imports Prefect and the pipeline, and the command never
  imports the server module. The run then points Prefect at it for its own length, as
  Prefect's own test harness does with its ephemeral server.

- Block auto-registration in that server (EPHEMERAL_SERVER_DEFAULTS): 1.2 of the ~4 CPU
  seconds the server spends starting, for block types a run never uses. Off by default for the
  server skiptrace spawns; an operator's setting in the environment wins. Nothing else at
  start-up can go: the rest is importing the server (about 2 s), building the app (0.45 s) and
  the database migration check (0.1 s); the services an ephemeral server runs cost about
  0.01 CPU s a second (docs/performance.md).

Starting the server early in a background *thread* was tried first and measured no gain: the
thread must import the server module under the same GIL, and that import, not the wait, was
most of what could overlap. A separate process overlaps both. The real cure for the start-up is
still a running server (docs/performance.md).

Against a running server (PREFECT_API_URL set) nothing here changes anything: that server's
settings and services are its operator's.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import socket
import stat
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from skiptrace.errors import ConfigError

#: Telemetry off unless the operator chose otherwise: a pipeline over personal data sends
#: nothing anywhere by default (and this machine has no route out, so an attempt only waits).
QUIET_DEFAULTS = {"DO_NOT_TRACK": "1", "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}


def set_quiet_defaults() -> None:
    """Defaults for Prefect's telemetry settings, before Prefect is imported; a value the
    operator set is kept."""
    for key, value in QUIET_DEFAULTS.items():
        os.environ.setdefault(key, value)


#: Files of PREFECT_HOME made private with it: the temporary server's SQLite database (each
#: run's parameters, state messages, log lines, events, artifacts) and the results the client
#: stores.
_HOME_FILES = ("prefect.db", "prefect.db-wal", "prefect.db-shm", "storage")


def prefect_home() -> Path:
    """The PREFECT_HOME this command's Prefect uses: the variable, else Prefect's default."""
    return Path(os.environ.get("PREFECT_HOME") or "~/.prefect").expanduser()


def private_prefect_home() -> str | None:
    """PREFECT_HOME no wider than the personal-data folder mode (0700, or as
    SKIPTRACE_FILE_MODE says): Prefect writes its database and results there at 0644 whatever
    the umask, and only the folder's mode keeps other users out of each run's parameters and
    log lines. Called before Prefect starts.

    A missing home is made private. A wider one owned by this user is narrowed, with the
    database and results Prefect already wrote there; the one-line notice that says so is
    returned. A wider one owned by someone else is refused (ConfigError, exit 3): this command
    cannot make it private, and must not write debtors' data where others can read it.
    """
    from skiptrace.atomic import dir_mode, make_private, private_dir

    home = prefect_home()
    if not home.exists():
        private_dir(home)
        return None
    info = home.stat()
    mode = stat.S_IMODE(info.st_mode)
    wider = mode & ~dir_mode() & 0o077
    if not wider:
        return None
    if info.st_uid != os.geteuid():
        raise ConfigError(
            f"PREFECT_HOME {home} can be read by other users (mode {mode:04o}) and is not yours "
            "to change: Prefect keeps each run's parameters and log lines there; point "
            "PREFECT_HOME at a private folder (chmod 0700), or have its owner make it one"
        )
    try:
        os.chmod(home, mode & ~wider)
    except OSError as exc:
        raise ConfigError(
            f"PREFECT_HOME {home} can be read by other users (mode {mode:04o}) and cannot be "
            f"made private ({exc.strerror or exc}): point PREFECT_HOME at a private folder"
        ) from None
    for name in _HOME_FILES:
        path = home / name
        for item in [path, *(path.rglob("*") if path.is_dir() else [])]:
            if item.is_symlink():
                continue
            with contextlib.suppress(OSError):
                make_private(item)
    return (
        f"PREFECT_HOME {home} could be read by other users (mode {mode:04o}): made it "
        f"{mode & ~wider:04o}, and the Prefect database and results in it private"
    )


def uses_running_server() -> bool:
    """True when PREFECT_API_URL names a server (environment or Prefect profile)."""
    from prefect.settings import PREFECT_API_URL

    return bool(PREFECT_API_URL.value())


#: Settings that mean "no ephemeral server" when set in the environment before Prefect loads.
_EPHEMERAL_OFF = {"0", "false", "no", "off"}

#: The subprocess's environment on top of the command's, as Prefect's SubprocessASGIServer sets
#: it: the server knows it is ephemeral (its services) and final (no further app wrapping).
_SERVER_FLAGS = {"PREFECT__SERVER_EPHEMERAL": "1", "PREFECT__SERVER_FINAL": "1"}

#: Prefect settings of the server skiptrace spawns itself, in groups: (defaults, every
#: environment name Prefect reads the group's settings under). A group applies only when the
#: environment sets none of its names, so an operator's choice is kept whole.
#:
#: - The UI: nobody opens it on a server that ends with the run.
#: - Block auto-registration: at each start Prefect's server imports every installed Prefect
#:   collection (prefect-dask, and through it dask.distributed) to hash the block registry,
#:   and, in a home whose memo store lacks that hash (every new PREFECT_HOME: each test's
#:   own), writes every block type and schema into the database: 1.2 CPU s of the server's
#:   ~4 s start-up on this machine (0.5 s in a reused home). A run reads and saves no block;
#:   Prefect registers a block's type when a block of it is saved, and Prefect's own server
#:   registers them all when it next starts on this home. Memoization goes off with it, or
#:   Prefect would record the registry as registered (memo_store.toml) when it was not.
EPHEMERAL_SERVER_DEFAULTS: tuple[tuple[dict[str, str], tuple[str, ...]], ...] = (
    ({"PREFECT_UI_ENABLED": "0"}, ("PREFECT_UI_ENABLED", "PREFECT_SERVER_UI_ENABLED")),
    (
        {
            "PREFECT_SERVER_REGISTER_BLOCKS_ON_START": "false",
            "PREFECT_SERVER_MEMOIZE_BLOCK_AUTO_REGISTRATION": "false",
        },
        (
            "PREFECT_SERVER_REGISTER_BLOCKS_ON_START",
            "PREFECT_API_BLOCKS_REGISTER_ON_START",
            "PREFECT_SERVER_MEMOIZE_BLOCK_AUTO_REGISTRATION",
            "PREFECT_MEMOIZE_BLOCK_AUTO_REGISTRATION",
        ),
    ),
)


def ephemeral_server_env(environ: dict[str, str]) -> dict[str, str]:
    """The environment of the server skiptrace spawns: `environ`, each group of
    EPHEMERAL_SERVER_DEFAULTS that `environ` leaves unset (Prefect reads its environment
    names in any case), and Prefect's ephemeral-server flags."""
    given = {key.upper() for key in environ}
    env: dict[str, str] = {}
    for defaults, names in EPHEMERAL_SERVER_DEFAULTS:
        if given.isdisjoint(names):
            env |= defaults
    return env | environ | _SERVER_FLAGS


#: uvicorn's exit code when the port is taken; Prefect then tries another port, and so do we.
_PORT_IN_USE = 3


class EarlyServer:
    """Prefect's ephemeral API server, spawned before Prefect is imported (module docstring).

    Same command line as Prefect's SubprocessASGIServer; the port is a free one on 127.0.0.1.
    """

    def __init__(self) -> None:
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None
        self._spawn()

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    def _spawn(self) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = int(s.getsockname()[1])
        spec = importlib.util.find_spec("prefect")  # locates the package without importing it
        assert spec is not None and spec.submodule_search_locations
        app_dir = Path(next(iter(spec.submodule_search_locations))).parent
        env = ephemeral_server_env(dict(os.environ))
        self.process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--app-dir", str(app_dir),
             "--factory", "prefect.server.api.server:create_app",
             "--host", "127.0.0.1", "--port", str(self.port),
             "--log-level", "error", "--lifespan", "on"],
            env=env,
            preexec_fn=_die_with_parent(os.getpid()) if sys.platform == "linux" else None,
        )  # fmt: skip

    def wait_ready(self, timeout: float) -> None:
        """Until the server answers /health, as Prefect waits for its own; RuntimeError after
        `timeout` seconds (Prefect's PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() == _PORT_IN_USE:
                self._spawn()
                continue
            if self.process.poll() is not None:
                break
            with (
                contextlib.suppress(OSError),
                urllib.request.urlopen(self.api_url + "/health", timeout=2) as r,
            ):
                if r.status == 200:
                    return
            time.sleep(0.1)
        code = self.process.poll() if self.process else None
        self.stop()
        if code is not None:  # the server died: that is a bug, with Prefect's own words
            raise RuntimeError(
                "Timed out while attempting to connect to ephemeral Prefect API server."
                f" Ephemeral server process exited with code {code}."
            )
        # alive but slow: a busy machine, which the operator can answer (exit code 3)
        raise ConfigError(
            f"Prefect's temporary server did not answer within {timeout:g} s"
            " (PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS); the machine may be busy."
            " Raise that setting, or run against a running server with PREFECT_API_URL"
        )

    def stop(self) -> None:
        """Terminate the server (Prefect's stop: 5 s grace, then kill); safe to call twice."""
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None


#: prctl(2) option: the signal the kernel sends this process when its parent dies.
_PR_SET_PDEATHSIG = 1


def _die_with_parent(parent: int) -> Any:
    """A preexec_fn (Linux): the server gets SIGKILL when the process that spawned it dies.

    `stop()` ends the server on every way out that runs Python code, but not when the command
    is killed with SIGKILL (or dies in C): the uvicorn child, about 225 MB, was then left
    running under init for good. The kernel's parent-death signal covers those too. It fires
    when the spawning *thread* ends, so the server must be spawned from the thread that lives
    as long as the command (the main thread, as `skiptrace run` does). If the parent died
    before the child got here, the child exits at once."""

    import ctypes
    import signal

    prctl = ctypes.CDLL(None, use_errno=True).prctl  # looked up before the fork, not in the child
    kill = int(signal.SIGKILL)

    def preexec() -> None:
        prctl(_PR_SET_PDEATHSIG, kill, 0, 0, 0)
        if os.getppid() != parent:
            os._exit(1)

    return preexec


def start_early_server() -> EarlyServer | None:
    """Spawn the ephemeral server now, unless the environment already names a server
    (PREFECT_API_URL) or switches ephemeral mode off. A profile or prefect.toml that names a
    server is only known once Prefect is loaded: `ephemeral_run_settings` then stops this one."""
    if os.environ.get("PREFECT_API_URL"):
        return None
    if os.environ.get("PREFECT_SERVER_EPHEMERAL_ENABLED", "").strip().lower() in _EPHEMERAL_OFF:
        return None
    return EarlyServer()


@contextmanager
def ephemeral_run_settings(early: EarlyServer | None = None) -> Iterator[None]:
    """Prefect settings for a run on the ephemeral server: no flow-run heartbeats (see the
    module docstring), and the API of `early` when skiptrace spawned the server itself.
    Unchanged against a running server (an early server is then stopped unused)."""
    from prefect.settings import (
        PREFECT_API_URL,
        PREFECT_FLOWS_HEARTBEAT_FREQUENCY,
        PREFECT_SERVER_EPHEMERAL_ENABLED,
        PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS,
        temporary_settings,
    )

    try:
        if uses_running_server() or (early and not PREFECT_SERVER_EPHEMERAL_ENABLED.value()):
            if early:
                early.stop()
            yield
            return
        updates: dict[Any, Any] = {PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}
        if early:
            early.wait_ready(float(PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS.value()))
            updates[PREFECT_API_URL] = early.api_url
        with temporary_settings(updates=updates):
            yield
    finally:
        if early:
            _flush_api_logs()
            early.stop()


def _flush_api_logs() -> None:
    """Send the run's queued log records to the server before skiptrace stops it: otherwise
    Prefect's log worker finds the server gone and prints "Error logging to API" on exit."""
    from prefect.logging.handlers import APILogWorker

    APILogWorker.drain_all(timeout=5)
