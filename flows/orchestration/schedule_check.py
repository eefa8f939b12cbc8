"""Does the served schedule make runs? One line from `skiptrace serve` when it does not.

`serve` registers a deployment and then waits for runs; the runs themselves are made by the
server's scheduler service. When that service does not work, nothing in the serving process
shows it: the deployment looks fine, the process waits, and the first sign is a night without
a run. Causes seen or possible: the service failing on every loop (it did with SQLAlchemy 2.1,
see constraints.txt), a server started with the scheduler switched off
(PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED=false), and no server at all (Prefect's temporary
server, started when PREFECT_API_URL is not set, runs no scheduler).

A new or re-registered deployment is scheduled by the server within seconds (its
recent-deployments loop, every 5 s by default; the main loop runs every 60 s), at least three
runs ahead. So shortly after start the deployment has runs made by the scheduler, or the
scheduler is not doing its work. The check only reads the API and only warns; it never stops
`serve` (a slow server may still catch up).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

#: How long after start `serve` waits for the deployment's first scheduled run.
SCHEDULED_RUN_WAIT = 60.0


def no_scheduler_warning(flow_name: str, deployment_name: str, wait: float) -> str:
    return (
        f"warning: no scheduled run of {flow_name}/{deployment_name} after {wait:g} s: "
        "the Prefect server's scheduler is not making runs (see the server's log), so this "
        "schedule will not run"
    )


#: For `serve` without PREFECT_API_URL: known at once, nothing to wait for.
TEMPORARY_SERVER_WARNING = (
    "warning: PREFECT_API_URL is not set: Prefect's temporary server runs no scheduler, so "
    "this schedule will not run; start `prefect server start` and set PREFECT_API_URL"
)


def has_scheduled_run(flow_name: str, deployment_name: str) -> bool:
    """True when the deployment exists and has a flow run its schedule made (any state: the
    first may already be running). False when it has none yet, or is not registered yet."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterId
    from prefect.exceptions import ObjectNotFound

    with get_client(sync_client=True) as client:
        try:
            deployment = client.read_deployment_by_name(f"{flow_name}/{deployment_name}")
        except ObjectNotFound:
            return False
        runs = client.read_flow_runs(
            deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[deployment.id])),
            limit=20,
        )
    return any(run.auto_scheduled for run in runs)


def watch_first_scheduled_run(
    flow_name: str,
    deployment_name: str,
    warn: Callable[[str], None],
    wait: float = SCHEDULED_RUN_WAIT,
    every: float = 2.0,
) -> threading.Thread:
    """Start a daemon thread that calls `warn` once if no scheduled run of the deployment
    appears within `wait` seconds. An error reaching the API ends the check silently: the
    serving process reports its own connection problems."""

    def check() -> None:
        deadline = time.monotonic() + wait
        try:
            while time.monotonic() < deadline:
                if has_scheduled_run(flow_name, deployment_name):
                    return
                time.sleep(every)
        except Exception:
            return
        warn(no_scheduler_warning(flow_name, deployment_name, wait))

    thread = threading.Thread(target=check, name="skiptrace-schedule-check", daemon=True)
    thread.start()
    return thread
