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
