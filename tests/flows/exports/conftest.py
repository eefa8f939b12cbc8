"""A real PostgreSQL for the push tests: pgserver ships the server binaries and starts one.

One server per test session (a few seconds), one fresh database per test. As root, pgserver
runs the server as its own unprivileged user (initdb refuses root), so this works in CI
containers too. The server listens on a Unix socket in its data folder only, no TCP port.
"""

from __future__ import annotations

import itertools
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

_db_numbers = itertools.count(1)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[Any]:
    """Data folder directly under the system temp folder, not pytest's tmp_path: as root the
    server runs as pgserver's own user, which cannot enter pytest's owner-only folders."""
    import pgserver

    data = Path(tempfile.mkdtemp(prefix="skiptrace-pg-"))
    server = pgserver.get_server(data, cleanup_mode="stop")
    try:
        yield server
    finally:
        server.cleanup()
        shutil.rmtree(data, ignore_errors=True)


def _socket_dir(server: Any) -> str:
    return str(Path(server.get_uri().split("host=", 1)[1]))


@pytest.fixture
def pg_url(pg_server: Any) -> str:
    """A URL of a new, empty database, with a password that must never be shown (the server
    trusts its socket, so any password is accepted: what matters is where it ends up)."""
    import psycopg

    name = f"push_test_{next(_db_numbers)}"
    with psycopg.connect(pg_server.get_uri(), autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return f"postgresql://postgres:Sup3rSecretPw@/{name}?host={_socket_dir(pg_server)}"
