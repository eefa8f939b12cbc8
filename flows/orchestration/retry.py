"""Which task failures are worth a retry: transient I/O only.

A retry re-runs a task after a pause. That helps when a network share hiccups or a read times
out; it only delays the answer when the failure is deterministic (a malformed sources.yml, a
missing column, a refused re-delivery): the same input fails the same way, and the operator
waited three times as long for a message that was known at once. So the refresh's retried
tasks pass `retry_only_io` as Prefect's `retry_condition_fn`.
"""

from __future__ import annotations

from typing import Any

from skiptrace.errors import UNREACHABLE, SkiptraceError

#: OSErrors that a retry cannot fix: the path or its permissions are wrong, not the network.
_DETERMINISTIC_OS_ERRORS: tuple[type[OSError], ...] = (
    FileNotFoundError,
    IsADirectoryError,
    NotADirectoryError,
    PermissionError,
)


def is_transient(exc: BaseException | None) -> bool:
    """True for I/O errors that may pass on a second try; False for everything else.

    Of skiptrace's own errors only one kind is transient: a server that did not answer or a
    connection lost (exit code 8, `Unreachable`); a refused login or an unknown run is not."""
    if isinstance(exc, SkiptraceError):
        return exc.exit_code == UNREACHABLE
    if exc is None or isinstance(exc, _DETERMINISTIC_OS_ERRORS):
        return False
    if isinstance(exc, OSError):  # includes TimeoutError, ConnectionError, EIO on a share
        return True
    import duckdb

    return isinstance(exc, duckdb.IOException)


def retry_only_io(task: Any, task_run: Any, state: Any) -> bool:
    """Prefect `retry_condition_fn`: retry the failed task only for a transient I/O error."""
    data = getattr(state, "data", None)
    if isinstance(data, BaseException):
        return is_transient(data)
    try:
        exc = state.result(raise_on_failure=False)
    except Exception:
        return False
    return is_transient(exc if isinstance(exc, BaseException) else None)
