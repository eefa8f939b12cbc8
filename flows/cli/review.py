"""`skiptrace review`: the compliance review workbench (a local web app) and its users.

`register(app)` adds the command group to the main Typer app (flows/cli/main.py). Imports are
deferred into the commands so `skiptrace --help` stays instant.

Errors are one line through the command's error boundary (flows/cli/boundary.py), with the
codes of skiptrace/errors.py: 2 a value the command cannot take (port in use, unknown user, bad
role, a short or mismatched password), 3 no workbench user yet, 4 no database.
"""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from skiptrace.errors import UsageError

DbOpt = Annotated[
    Path | None,
    typer.Option("--db", help="DuckDB file (default: $SKIPTRACE_DB or data/skiptrace.duckdb)."),
]
MIN_PASSWORD = 10
REVIEW_DB = "review_db"

review_app = typer.Typer(
    help="Review workbench: decide held links, read disputed flags and lineage in a browser.",
    no_args_is_help=False,
)
user_app = typer.Typer(help="Workbench users (stored next to the database, argon2-hashed).")
review_app.add_typer(user_app, name="user")


class Role(StrEnum):
    reviewer = "reviewer"
    viewer = "viewer"


@review_app.callback(invoke_without_command=True)
def review(
    ctx: typer.Context,
    db: DbOpt = None,
    host: Annotated[
        str, typer.Option(help="Address to listen on; keep 127.0.0.1 unless behind a proxy.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8765,
    trusted_proxy: Annotated[
        str | None,
        typer.Option(
            help="Address(es) of a TLS proxy in front (comma-separated, e.g. 127.0.0.1): believe"
            " its X-Forwarded-For/-Proto, so cookies are Secure over https and sign-in"
            " back-off counts the real client address."
        ),
    ] = None,
) -> None:
    """Serve the review workbench at http://HOST:PORT until Ctrl-C.

    The web app opens the database read-only for each page and never holds it, so a nightly run
    can start at any time; decisions go to DB.review/decisions.jsonl and the next run's match
    stage applies them (approve -> linked, reject -> never linked again for that pair).
    """
    if ctx.invoked_subcommand is not None:
        # `review --db X user add ...`: the subcommand runs in a child context, so the group's
        # option reaches it only through ctx.obj (see _db_of)
        ctx.obj = {**(ctx.obj or {}), REVIEW_DB: db}
        return
    from skiptrace import sql
    from skiptrace.flows.review.server import check_can_serve, check_port, serve

    path = sql.resolve_db_path(db)
    # no banner above an error: the database and a user exist, and the port is free
    check_can_serve(path)
    check_port(host, port)
    if host not in ("127.0.0.1", "localhost", "::1"):
        typer.echo(f"warning: listening on {host}: reachable from other machines", err=True)
    typer.echo(f"review workbench: http://{host}:{port}/  (database {path}; Ctrl-C stops)")
    serve(path, host, port, trusted_proxy)  # ServeError: one line and its exit code (2, 3 or 4)


def _db_of(ctx: typer.Context, db: Path | None) -> Path:
    """The database a user command works on: its own --db or the group's (`review --db X user
    ...`, as README writes it), then $SKIPTRACE_DB, then the default.

    Why both: the group's --db was once ignored by the subcommands, which then wrote users next
    to the default database. Two different values are refused rather than one silently chosen.
    """
    from skiptrace import sql

    group = (ctx.obj or {}).get(REVIEW_DB) if isinstance(ctx.obj, dict) else None
    if db is not None and group is not None and Path(db) != Path(group):
        raise UsageError(f"two different --db: {group} (review) and {db} (user command)")
    return sql.resolve_db_path(db if db is not None else group)


def _read_password() -> str:
    """From a prompt (typed twice) on a terminal, else the first line of stdin."""
    if sys.stdin.isatty():
        import getpass

        first = getpass.getpass("password: ")
        if getpass.getpass("again: ") != first:
            raise UsageError("the passwords differ")
        return first
    return sys.stdin.readline().rstrip("\r\n")


@user_app.command("add")
def user_add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="User name (letters, digits, '.', '-', '_').")],
    role: Annotated[Role, typer.Option(help="reviewer decides; viewer only reads.")] = Role.viewer,
    db: DbOpt = None,
) -> None:
    """Add a user, or replace one's password and role. The password is read from a prompt, or
    from stdin when it is not a terminal (`printf '%s\\n' "$PW" | skiptrace review user add ...`)."""
    from skiptrace.flows.review.auth import hash_password
    from skiptrace.flows.review.store import Store

    path = _db_of(ctx, db)
    password = _read_password()
    if len(password) < MIN_PASSWORD:
        raise UsageError(f"a password needs at least {MIN_PASSWORD} characters")
    store = Store(path)
    store.save_user(name, role.value, hash_password(password))  # StoreError: exit code 2
    typer.echo(f"user {name} ({role.value}) saved in {store.users_path}")


@user_app.command("list")
def user_list(ctx: typer.Context, db: DbOpt = None) -> None:
    """List users and their roles."""
    from skiptrace.flows.review.store import Store

    for user in Store(_db_of(ctx, db)).users().values():
        typer.echo(f"{user.name}\t{user.role}")


@user_app.command("remove")
def user_remove(ctx: typer.Context, name: str, db: DbOpt = None) -> None:
    """Remove a user; their open sessions stop working at the next request."""
    from skiptrace.flows.review.store import Store

    Store(_db_of(ctx, db)).remove_user(name)  # StoreError: exit code 2
    typer.echo(f"user {name} removed")


def register(app: typer.Typer) -> None:
    """Add `review` (serve) and `review user add|list|remove` to `app`."""
    app.add_typer(review_app, name="review")
