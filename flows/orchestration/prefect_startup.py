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

Starting the server early, in a background thread, was tried and measured no gain: the thread
must first import Prefect's server module (which the flow imports anyway), and that import,
not the wait, is most of what could have overlapped. The real cure for the start-up is a
running server (docs/performance.md).

Against a running server (PREFECT_API_URL set) nothing here changes anything: that server's
settings and services are its operator's.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

#: Telemetry off unless the operator chose otherwise: a pipeline over personal data sends
#: nothing anywhere by default (and this machine has no route out, so an attempt only waits).
QUIET_DEFAULTS = {"DO_NOT_TRACK": "1", "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}


def set_quiet_defaults() -> None:
    """Defaults for Prefect's telemetry settings, before Prefect is imported; a value the
    operator set is kept."""
    for key, value in QUIET_DEFAULTS.items():
        os.environ.setdefault(key, value)


def uses_running_server() -> bool:
    """True when PREFECT_API_URL names a server (environment or Prefect profile)."""
    from prefect.settings import PREFECT_API_URL

    return bool(PREFECT_API_URL.value())


@contextmanager
def ephemeral_run_settings() -> Iterator[None]:
    """Prefect settings for a run on the ephemeral server: no flow-run heartbeats (see the
    module docstring). Unchanged against a running server."""
    if uses_running_server():
        yield
        return
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

    with temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
        yield
