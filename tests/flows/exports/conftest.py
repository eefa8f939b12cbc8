"""A real PostgreSQL for the push tests: pgserver ships the server binaries and starts one.

One server per test session (a few seconds), one fresh database per test. As root, pgserver
runs the server as its own unprivileged user (initdb refuses root), so this works in CI
containers too. The server listens on a Unix socket in its data folder only, no TCP port.
"""

from __future__ import annotations

import itertools
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

_db_numbers = itertools.count(1)


#: Where the server's data folder goes when it can: a memory file system (tmpfs) with room
#: for it (the suite's databases take a few hundred MB; Docker's default /dev/shm of 64 MB has
#: not, and the system temp folder is used instead).
SHM = Path("/dev/shm")
SHM_FREE_NEEDED = 2 * 1024**3


def _data_parent() -> str | None:
    """/dev/shm when it is a writable folder with SHM_FREE_NEEDED bytes free, else None (the
    system temp folder).

    Why: each test's CREATE DATABASE copies template1 (~300 files); on the disk the server's
    fsyncs, its shutdown checkpoint and the removal of its ~15,000 files cost 7-67 s at the
    end of a worker's run (last in the suite when the push tests' worker finishes last), and
    30 new databases 2.3-2.8 s. On tmpfs: 0.3 s to stop and remove, 0.5 s for the 30
    databases (measured with pgserver, alternated, on this machine)."""
    try:
        writable = SHM.is_dir() and os.access(SHM, os.W_OK | os.X_OK)
        if writable and shutil.disk_usage(SHM).free >= SHM_FREE_NEEDED:
            return str(SHM)
    except OSError:
        pass
    return None


@pytest.fixture(scope="session")
def pg_server() -> Iterator[Any]:
    """Data folder directly under the system temp folder (or /dev/shm, `_data_parent`), not
    pytest's tmp_path: as root the server runs as pgserver's own user, which cannot enter
    pytest's owner-only folders."""
    import pgserver

    data = Path(tempfile.mkdtemp(prefix="skiptrace-pg-", dir=_data_parent()))
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
