"""skiptrace's own log lines in the Prefect UI, masked first.

Prefect ships the records of its own loggers (`prefect.*`, `get_run_logger()`) to the API, so
they show on the flow run's page; the `skiptrace` loggers used by ingestion, matching and
exports only reached the worker's stderr. A warning such as `source credit_header: no file
matches ...` then never appeared where operators watch runs (issue 18).

`skiptrace_logs_to_prefect()` attaches Prefect's API log handler to the `skiptrace` logger for
the length of a flow run. Its first filter is the MaskingFilter: handler filters see every record
that reaches the handler, including those of child loggers (`skiptrace.sources.ingest`), which a
filter on the `skiptrace` logger itself would not, so nothing is shipped before it is masked.
"""

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from skiptrace.masking import MaskingFilter

LOGGER = "skiptrace"


def _in_a_run(record: logging.LogRecord) -> bool:
    """Only records logged inside a flow or task run have a run to be shipped to."""
    from prefect.context import FlowRunContext, TaskRunContext

    return FlowRunContext.get() is not None or TaskRunContext.get() is not None


@contextmanager
def skiptrace_logs_to_prefect(level: int = logging.INFO) -> Iterator[logging.Handler]:
    """Ship `skiptrace` log records of this run to the Prefect API (masked), then detach.

    The logger's level is raised to `level` for the run when nobody chose one (a deployed run
    starts with the root logger's WARNING), and restored afterwards.
    """
    from prefect.logging.handlers import APILogHandler

    logger = logging.getLogger(LOGGER)
    handler = APILogHandler()
    handler.addFilter(MaskingFilter())  # first: the record is masked before anything else
    handler.addFilter(_in_a_run)
    handler.setLevel(level)
    previous_level = logger.level
    if logger.level == logging.NOTSET:
        logger.setLevel(level)
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous_level)


#: Prefect's loggers of flow and task runs (the engine logs each failure on them).
PREFECT_RUN_LOGGERS = ("prefect.flow_runs", "prefect.task_runs")


class OneLinePerFailure(logging.Filter):
    """A known failure (a SkiptraceError: a refused delivery, a busy or corrupt database, a full
    disk) in the log once, as the refresh's own "run R failed: <why>" line, not eight times.

    Prefect logs a failed task's exception, its "Finished in state Failed('<why>')", the same
    two for each enclosing flow, and the refresh adds its own line: a refusal's reason was 8
    of a 22-line log. Here the engine's "failed with exception" / "Encountered exception"
    records of such an error are dropped, and its "Finished in state Failed(...)" lines keep
    the state and the error's type only. Bugs keep every line (and their tracebacks)."""

    def __init__(self) -> None:
        super().__init__()
        self.known: list[tuple[str, str]] = []  # (text of the error, its type name)

    def filter(self, record: logging.LogRecord) -> bool:
        from skiptrace.errors import SkiptraceError

        exc = record.exc_info[1] if record.exc_info else None
        if isinstance(exc, SkiptraceError):
            self.known.append((exc.one_line()[:60], type(exc).__name__))
            return False
        message = record.getMessage()
        if message.startswith("Finished in state Failed"):
            flat = " ".join(message.split())
            for text, name in self.known:
                if text and text in flat:
                    record.msg, record.args = f"Finished in state Failed ({name})", ()
                    break
        return True


@contextmanager
def one_line_per_failure() -> Iterator[OneLinePerFailure]:
    """`OneLinePerFailure` on Prefect's run loggers for the length of a run."""
    loggers = [logging.getLogger(name) for name in PREFECT_RUN_LOGGERS]
    present = [f for f in loggers[0].filters if isinstance(f, OneLinePerFailure)]
    if present:  # the caller's, around the whole flow (run_refresh): one, which saw it all
        yield present[0]
        return
    dedupe = OneLinePerFailure()
    for logger in loggers:
        # first: the command line's filter (flows/cli/boundary.py) clears the exc_info it reads
        logger.filters.insert(0, dedupe)
    try:
        yield dedupe
    finally:
        for logger in loggers:
            logger.removeFilter(dedupe)
