"""Run the workbench with uvicorn, bound to 127.0.0.1 unless told otherwise."""

from __future__ import annotations

import errno
import socket
from pathlib import Path
from typing import Any

import duckdb

from skiptrace import sql
from skiptrace.errors import ConfigError, InputFileError, UsageError

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765


class ServeError(UsageError):
    """The workbench cannot listen where asked (port taken, address not ours): exit code 2."""


class ServeNoDatabase(InputFileError, ServeError):
    """No database at the path given: exit code 4."""


class ServeNoUsers(ConfigError, ServeError):
    """No workbench user to sign in as: exit code 3 (add one first)."""


def check_port(host: str, port: int) -> None:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise ServeError(
                    f"port {port} on {host} is in use; pick another with --port"
                ) from exc
            raise ServeError(f"cannot listen on {host}:{port}: {exc.strerror}") from exc


def migrate_if_free(db: Path) -> bool:
    """Apply pending migrations (028 adds the review columns) unless a run holds the database;
    the next run migrates it anyway. True when migrated now."""
    try:
        sql.connect(db).close()
    except duckdb.IOException:
        return False
    return True


def check_can_serve(db: Path) -> None:
    """The database exists and has a workbench user to sign in as."""
    from skiptrace.flows.review.store import Store

    if not db.is_file():
        raise ServeNoDatabase(f"database {db} does not exist (--db, $SKIPTRACE_DB)")
    if not Store(db).users():
        raise ServeNoUsers(
            "no workbench users yet: add one with `skiptrace review user add NAME --role reviewer`"
        )


def uvicorn_options(host: str, port: int, trusted_proxy: str | None = None) -> dict[str, Any]:
    """uvicorn's settings for the workbench (`serve` and the tests' BackgroundServer alike).

    `trusted_proxy`: the address(es) of a TLS proxy in front (comma-separated), whose
    X-Forwarded-For and X-Forwarded-Proto are believed: the client address the sign-in back-off
    counts by is then the forwarded one, and cookies are `Secure` when the proxy says https.
    Without it no forwarded header is believed (uvicorn would otherwise trust any client on
    127.0.0.1, which could then claim any address to the back-off).
    """
    return {
        "host": host,
        "port": port,
        "log_level": "warning",
        "access_log": False,
        "proxy_headers": trusted_proxy is not None,
        "forwarded_allow_ips": trusted_proxy or "",
    }


def serve(
    db: Path, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, trusted_proxy: str | None = None
) -> None:
    """Serve until interrupted (Ctrl-C)."""
    import uvicorn

    from skiptrace.flows.review.app import create_app

    check_can_serve(db)
    check_port(host, port)
    migrate_if_free(db)
    uvicorn.run(create_app(db), **uvicorn_options(host, port, trusted_proxy))
