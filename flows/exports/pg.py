"""The collections system's PostgreSQL: where its URL comes from, masking it, connecting, migrating.

The URL carries a password, and everything skiptrace writes for people (logs, run summaries,
Prefect parameters and artifacts, the `pushes` table) must not. So the URL is read at the
moment of connecting, from the option, a file (`--to-file`, kept owner-only) or
`SKIPTRACE_PUSH_URL`, and only `mask_url(url)` is ever shown. A URL without a password works
too: libpq then takes it from `PGPASSWORD` or `~/.pgpass`.

PostgreSQL's schema is versioned like DuckDB's: numbered files in `sql/push/pg_migrations/`,
applied in order, each in its own transaction, recorded in `skiptrace_schema_version`. The
other SQL for PostgreSQL lives in `sql/push/pg/`, with the same `$name` parameters as the
DuckDB files (translated to psycopg's placeholders here).

Every connection waits a bounded time: `PushSettings` (its fields are `skiptrace push`'s
`--lock-timeout` and `--statement-timeout`) sets PostgreSQL's `lock_timeout` and
`statement_timeout` for the session, and TCP keepalives notice a server or network that went
away without closing the connection. A push behind another session's lock used to wait forever
while it held the push's advisory lock and DuckDB's write lock (every other run, workbench and
explain then got "busy"); now it fails with exit code 8, its transaction rolled back.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from skiptrace import sql
from skiptrace.errors import ConfigError, RunRefused, Unreachable, UsageError

PG_DIR = "push/pg"
PG_MIGRATIONS_DIR = sql.SQL_DIR / "push" / "pg_migrations"
ENV_URL = "SKIPTRACE_PUSH_URL"
_MIGRATION_NAME = re.compile(r"^(\d{3})_[a-z0-9_]+\.sql$")
# scheme://user:password@host -> the password part (a URL may also be key=value DSN text)
_URL_PASSWORD = re.compile(r"(?P<head>[a-z][a-z0-9+.-]*://[^:/@\s]*:)(?P<pw>[^@\s]*)@", re.I)
_DSN_PASSWORD = re.compile(r"(?P<head>\bpassword\s*=\s*)(?P<pw>'[^']*'|\S+)", re.I)
_PARAM = re.compile(r"\$([a-z_][a-z0-9_]*)")
#: Seconds libpq waits for the server to answer the connection.
CONNECT_TIMEOUT = 15
#: libpq's TCP keepalives: a peer silent for 30 s is probed every 10 s, and the connection is
#: dropped after 6 unanswered probes (about 90 s), instead of waiting on a dead socket for the
#: kernel's two hours. Unix-socket connections ignore them.
KEEPALIVES: dict[str, Any] = {"keepalives": 1, "keepalives_idle": 30, "keepalives_interval": 10,
                              "keepalives_count": 6}  # fmt: skip


class PushSettings(BaseModel):
    """How long a push or an outcome pull may wait on PostgreSQL, declared once: `skiptrace
    push` derives its options from these fields, and a run's push uses the defaults."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    lock_timeout: float = Field(
        default=60.0,
        gt=0,
        description="Seconds a push or an outcome pull waits for a lock in PostgreSQL (another "
        "session holding a skiptrace table, another push) before giving up with exit code 8: "
        "nothing changed there, run again later",
    )
    statement_timeout: float = Field(
        default=1800.0,
        gt=0,
        description="Seconds one statement of a push may run in PostgreSQL (the COPY of a "
        "million contacts takes about 15) before it is cancelled with exit code 8, the push "
        "rolled back",
    )


class PushError(Unreachable):
    """The collections database cannot be reached or dropped the connection: one line, exit code
    8 (run again later). The subclasses are the problems a retry does not fix (a refused login
    among them), each with the code of its kind."""


class PushConfigError(ConfigError, PushError):
    """The URL file cannot be read, the server refused the login or has no such database, or
    the role lacks a grant: exit code 3."""


class PushUnknownRun(UsageError, PushError):
    """The run given is not in the database: exit code 2."""


class PushRefused(RunRefused, PushError):
    """The run cannot be pushed as it stands (not completed, archived, older than the last one
    pushed): exit code 6."""


def mask_url(url: str) -> str:
    """The URL with its password replaced by ***: what logs, reports and tables may show."""
    masked = _URL_PASSWORD.sub(lambda m: m.group("head") + "***@", url)
    return _DSN_PASSWORD.sub(lambda m: m.group("head") + "***", masked)


def url_has_password(url: str) -> bool:
    """True when the URL or DSN text carries a password itself."""
    return mask_url(url) != url


def resolve_url(to: str | None = None, to_file: Path | None = None) -> str | None:
    """The PostgreSQL URL: `--to` beats `--to-file` beats $SKIPTRACE_PUSH_URL; None if none.

    A file is read as its first non-empty line, so a secrets manager can write it.
    """
    if to:
        return to.strip()
    if to_file is not None:
        try:
            lines = to_file.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise PushConfigError(f"cannot read the URL file {to_file}: {exc.strerror}") from exc
        url = next((line.strip() for line in lines if line.strip()), "")
        if not url:
            raise PushConfigError(f"the URL file {to_file} is empty")
        return url
    return os.environ.get(ENV_URL) or None


def connect(url: str, settings: PushSettings | None = None) -> Any:
    """Open a psycopg connection with TCP keepalives and the session's lock and statement
    timeouts (`settings`, default PushSettings()); an unreachable server (exit 8) or a refused
    login (exit 3) is one PushError line."""
    import psycopg

    limits = settings or PushSettings()
    try:
        conn = psycopg.connect(
            url, connect_timeout=CONNECT_TIMEOUT, application_name="skiptrace", **KEEPALIVES
        )
    except psycopg.Error as exc:
        # libpq's message names host, port and user, never the password; mask anyway
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        message = f"cannot connect to {mask_url(url)}: {mask_url(first)}"
        if _is_login_problem(exc):  # the server answered: a retry will not change its answer
            raise PushConfigError(message) from exc
        raise PushError(message) from exc
    try:
        with conn.cursor() as cur:  # not transaction-local: kept after this commit
            execute(
                cur,
                "session_limits.sql",
                lock_timeout=str(round(limits.lock_timeout * 1000)),
                statement_timeout=str(round(limits.statement_timeout * 1000)),
            )
        conn.commit()
    except psycopg.Error as exc:
        conn.close()
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise PushError(f"connection to {mask_url(url)} failed: {mask_url(first)}") from exc
    except BaseException:
        conn.close()
        raise
    return conn


def _is_login_problem(exc: Exception) -> bool:
    """The server refused the login (SQLSTATE class 28: bad password, no such role or no
    pg_hba entry) or has no such database (3D000), as opposed to a server that did not answer."""
    state = getattr(exc, "sqlstate", None) or ""
    if state.startswith("28") or state == "3D000":
        return True
    # A refusal during the connection attempt reaches psycopg as libpq's message text, without a
    # SQLSTATE: the server's FATAL line (English unless the server sets lc_messages otherwise).
    text = str(exc)
    return any(
        words in text
        for words in ("password authentication failed", "does not exist", "no pg_hba.conf entry")
    )


def pg_sql(name: str, *, with_params: bool) -> str:
    """`sql/push/pg/<name>`; with parameters, `$param` becomes psycopg's `%(param)s` (and a
    literal % is doubled, as psycopg then expects)."""
    text = sql.load(f"{PG_DIR}/{name}")
    return _PARAM.sub(r"%(\1)s", text.replace("%", "%%")) if with_params else text


def execute(cur: Any, name: str, /, **params: Any) -> list[tuple[Any, ...]]:
    """Run one file of `sql/push/pg/` (one statement) and return its rows, if any."""
    if params:
        cur.execute(pg_sql(name, with_params=True), params)
    else:
        cur.execute(pg_sql(name, with_params=False))
    return cur.fetchall() if cur.description else []


def pg_migrations() -> list[tuple[int, str]]:
    """Numbered PostgreSQL migrations in order: (version, file name)."""
    found = [
        (int(m.group(1)), p.name)
        for p in PG_MIGRATIONS_DIR.iterdir()
        if (m := _MIGRATION_NAME.match(p.name))
    ]
    return sorted(found)


def migrate(conn: Any) -> list[int]:
    """Apply the PostgreSQL migrations this database lacks; returns the versions applied.

    Serialized by an advisory lock, so two first pushes cannot both create the schema. When
    nothing is missing, only SELECT on skiptrace_schema_version is needed: a push role without
    CREATE works once an owner has migrated (docs/push.md).
    """
    applied_now: list[int] = []
    with conn.transaction(), conn.cursor() as cur:
        execute(cur, "lock.sql")
        if not execute(cur, "version_table_exists.sql")[0][0]:
            execute(cur, "version_table.sql")
        applied = {int(r[0]) for r in execute(cur, "versions.sql")}
    for version, name in pg_migrations():
        if version in applied:
            continue
        with conn.transaction(), conn.cursor() as cur:
            execute(cur, "lock.sql")
            if version in {int(r[0]) for r in execute(cur, "versions.sql")}:
                continue
            cur.execute(sql.load(f"push/pg_migrations/{name}"))
            execute(cur, "version_insert.sql", version=version, name=name)
        applied_now.append(version)
    return applied_now
