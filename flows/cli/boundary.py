"""The command line's one error boundary: known errors become one line and an exit code.

Every `skiptrace` command runs through `SkiptraceGroup.main`. There:

* a `SkiptraceError` (skiptrace/errors.py: registry, profile, missing file or column, busy
  database, refused re-delivery, bad option value) prints `skiptrace: error: <one line>` on
  stderr and exits with its code;
* a usage error found by the parser (unknown option, `--threshold abc`, a missing required
  option) does the same with code 2, instead of click's framed usage box;
* a pydantic ValidationError of the run settings is a usage error naming the *option*;
* DuckDB running out of memory is a configuration error (code 3), not a bug: the line names
  the memory limit in force and the two settings that change it;
* the machine's failures (skiptrace/resources.py) are not bugs either: a full disk or a folder
  gone read-only (3, naming the path), a corrupt database file (4, "restore it from a
  backup"), SIGINT / SIGTERM (130 / 143, "interrupted");
* anything else is a bug: its traceback is printed (masked like a log line), then the same
  one-line form, exit 1.

The one line is the last line on stderr: what DuckDB's bindings print at interpreter exit
follows it into /dev/null (`last_line_is_ours`).

The boundary sits in the click command, not in `main()`, so Typer's test runner exercises it
exactly as a user's shell does.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import traceback
from collections.abc import Sequence
from typing import Any

import duckdb
import typer
import typer.core

from skiptrace import errors, resources
from skiptrace.masking import mask_text

PROG = "skiptrace"

#: The click exceptions module Typer raises from: click's own, or the copy Typer >= 0.29
#: vendors (typer._click). Found through a public name so either works.
click_exc = sys.modules[typer.BadParameter.__module__]


def error_line(message: str) -> str:
    return f"{PROG}: error: {' '.join(message.split())}"


def _usage_line(exc: Any) -> str:
    """click's message plus where to read more, on one line."""
    ctx = exc.ctx
    where = f" (see '{ctx.command_path} --help')" if ctx is not None else ""
    return error_line(exc.format_message() + where)


def out_of_memory_line(exc: BaseException) -> str:
    """Why a run stopped for want of memory, and what to change: the pipeline's DuckDB limit is
    SKIPTRACE_DUCKDB_MEMORY (a 1M-account portfolio needs at least 5GB; docs/performance.md)."""
    first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    limit = os.environ.get("SKIPTRACE_DUCKDB_MEMORY") or "DuckDB's default"
    return error_line(
        f"the database ran out of memory ({first}); memory limit: {limit}. Raise "
        "SKIPTRACE_DUCKDB_MEMORY or lower SKIPTRACE_DUCKDB_THREADS and run again"
    )


def exit_code_of(exc: BaseException) -> int:
    if isinstance(exc, errors.SkiptraceError):
        return exc.exit_code
    if isinstance(exc, click_exc.UsageError):
        return errors.USAGE
    if isinstance(exc, duckdb.OutOfMemoryException):
        return errors.CONFIG
    if (known := resources.known_failure(exc)) is not None:
        return known.exit_code
    return errors.INTERNAL


class SkiptraceGroup(typer.core.TyperGroup):
    """The `skiptrace` group with the error boundary around parsing and running a command."""

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        try:
            rv = super().main(
                args=args,
                prog_name=prog_name or PROG,
                complete_var=complete_var,
                standalone_mode=False,
                windows_expand_args=windows_expand_args,
                **extra,
            )
        except click_exc.UsageError as exc:
            if type(exc).__name__ == "NoArgsIsHelpError":
                exc.show()  # `skiptrace` alone: the help, as before
            else:
                typer.echo(_usage_line(exc), err=True)
            code = errors.USAGE
        except typer.Abort:
            typer.echo(error_line("aborted"), err=True)
            code = 130
        except click_exc.ClickException as exc:
            typer.echo(error_line(exc.format_message()), err=True)
            code = exc.exit_code
        except errors.SkiptraceError as exc:
            # masked like a log line: a message may quote a value someone delivered
            typer.echo(error_line(mask_text(exc.one_line())), err=True)
            code = exc.exit_code
            release_frames(exc)
        except KeyboardInterrupt as exc:
            known = resources.known_failure(exc)
            assert known is not None  # a KeyboardInterrupt is always an interruption
            typer.echo(error_line(known.one_line()), err=True)
            code = known.exit_code
            release_frames(exc)
        except duckdb.OutOfMemoryException as exc:
            typer.echo(out_of_memory_line(exc), err=True)
            code = errors.CONFIG
            release_frames(exc)
        except Exception as exc:
            if (known := resources.known_failure(exc)) is not None:
                # the machine's failure, not a bug: a full disk, a read-only folder, a corrupt
                # database, a signal; one line naming the path and what to do
                typer.echo(error_line(mask_text(known.one_line())), err=True)
                code = known.exit_code
                release_frames(exc)
                return self._exit(code, standalone_mode)
            # a bug's text is not ours: it may quote a value (mask_text, as log lines are)
            sys.stderr.write(mask_text(traceback.format_exc()))
            typer.echo(
                error_line(
                    mask_text(f"internal error: {type(exc).__name__}: {exc} (this is a bug)")
                ),
                err=True,
            )
            code = errors.INTERNAL
            release_frames(exc)
        except BaseException as exc:
            # Prefect's TerminationSignal (a SIGTERM outside a query) is a BaseException
            if (known := resources.known_failure(exc)) is None:
                raise
            typer.echo(error_line(known.one_line()), err=True)
            code = known.exit_code
            release_frames(exc)
        else:
            # standalone_mode=False returns the exit code of typer.Exit / ctx.exit, else the
            # command's return value (None = success)
            code = rv if isinstance(rv, int) else errors.OK
        return self._exit(code, standalone_mode)

    def invoke(self, ctx: Any) -> Any:
        """Typer turns a KeyboardInterrupt that leaves a command into a silent exit 130 (no
        line); here it is the interruption's one line, as any other signal of a command. The
        line claims nothing more: it also ends a server stopped with Ctrl-C (uvicorn raises the
        SIGINT it caught again once it has shut down)."""
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            name = ctx.invoked_subcommand or ""
            line = resources.stopped_line(signal.SIGINT, f"{PROG} {name} stopped")
            raise resources.Interrupted(line, signal.SIGINT) from None

    @staticmethod
    def _exit(code: int, standalone_mode: bool) -> Any:
        if not standalone_mode:
            return code
        if code != errors.OK:
            last_line_is_ours()
        sys.exit(code)


def last_line_is_ours() -> None:
    """Keep the error line the last line on stderr: after it, stderr goes to /dev/null for the
    rest of the process. At interpreter exit DuckDB's bindings (nanobind) report every object
    still alive when the module is torn down, a page ending in a nanobind URL, and Prefect may
    log a late line; neither is news to the operator, and a scheduler shows the last line."""
    import gc

    gc.collect()  # what is only held by cycles (frames of a handled error) is freed now
    try:
        sys.stderr.flush()
        sys.stdout.flush()
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
        os.close(devnull)
    except (OSError, ValueError):  # no real stderr (a test's captured stream): nothing to do
        pass


class _DropKnownTracebacks(logging.Filter):
    """Prefect logs a failed run's exception with its traceback; for a `SkiptraceError` the
    message says everything, and a 100-line traceback above it buries the one line that
    matters. The record is kept, only its traceback is dropped."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if isinstance(exc, errors.SkiptraceError):
            record.exc_info = None
            record.exc_text = None
        return True


#: The loggers Prefect's flow and task engines write run failures to.
_PREFECT_RUN_LOGGERS = ("prefect.flow_runs", "prefect.task_runs", "prefect.engine")


def drop_known_tracebacks() -> None:
    """Install `_DropKnownTracebacks` on Prefect's run loggers (once)."""
    for name in _PREFECT_RUN_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, _DropKnownTracebacks) for f in logger.filters):
            logger.addFilter(_DropKnownTracebacks())


def release_frames(exc: BaseException) -> None:
    """Clear the frames of a handled exception's tracebacks (and its causes'): they hold the
    run's DuckDB connections, which would otherwise live until exit, where their bindings
    print a page of 'leaked instance' warnings after the one-line message."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if current.__traceback__ is not None:
            traceback.clear_frames(current.__traceback__)
        current = current.__cause__ or current.__context__
