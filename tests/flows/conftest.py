"""Fixtures shared by the flow tests: Prefect homes whose database is already migrated (the
small generated portfolio they run over is tests/conftest.py's)."""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent


def prefect_env(home: Path, api_url: str | None = None) -> dict[str, str]:
    """This environment without the caller's Prefect settings, pointed at a test home/server."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    # the suite's start-up allowance (tests/conftest.py): a loaded CI machine is not a failure
    env["PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"] = os.environ.get(
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180"
    )
    env.update(
        PREFECT_HOME=str(home),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        PREFECT_SERVER_UI_ENABLED="false",
        PYTHONUNBUFFERED="1",
    )
    if api_url:
        env["PREFECT_API_URL"] = api_url
    return env


@pytest.fixture(scope="session")
def prefect_home_template(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Path:
    """A PREFECT_HOME whose SQLite database Prefect has migrated, made once for the whole suite.

    Why: the tests that run Prefect in a home of their own (a CLI run as a user runs it, or a
    flow whose logs and artifacts the test reads back) each paid Prefect's database migrations
    first, 5-7 s of the 23-25 s a 300-account `skiptrace run` took in a new home (17-19 s in a
    migrated one). The template is built by the first xdist worker that needs it, under a lock
    in the workers' shared temporary folder, and copied into each test's own home
    (`prefect_home`), so no two tests share a database.
    """

    def build(building: Path) -> None:
        done = subprocess.run(
            [str(BIN / "prefect"), "server", "database", "upgrade", "-y"],
            env=prefect_env(building), capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        if done.returncode != 0:
            raise RuntimeError(f"prefect database upgrade failed: {done.stdout}{done.stderr}")

    return built_once(tmp_path_factory, request, "prefect-home-template", build)


def built_once(
    tmp_path_factory: pytest.TempPathFactory,
    request: pytest.FixtureRequest,
    name: str,
    build: Callable[[Path], None],
) -> Path:
    """The folder `name` in the workers' shared temporary folder, filled by `build` once for
    the whole test run: the first xdist worker that asks builds it under a lock (in a
    `.building` folder renamed when complete, so no worker ever sees half of it); the others
    wait for it and use it as it is."""
    base = tmp_path_factory.getbasetemp()
    # an xdist worker's temporary folder is one of the run's shared folder
    shared = base.parent if hasattr(request.config, "workerinput") else base
    done = shared / name
    with (shared / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.exists():
            building = shared / f"{name}.building"
            shutil.rmtree(building, ignore_errors=True)
            building.mkdir()
            build(building)
            building.rename(done)
    return done


def copy_prefect_home(template: Path, home: Path) -> Path:
    """`home` as a copy of the migrated template (its database files included)."""
    shutil.copytree(template, home)
    return home


@pytest.fixture
def prefect_home(prefect_home_template: Path, tmp_path: Path) -> Path:
    """A PREFECT_HOME of this test's own, its database already migrated."""
    return copy_prefect_home(prefect_home_template, tmp_path / "prefect-home")
