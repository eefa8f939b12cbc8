"""Stages announce start and end to progress listeners."""

from __future__ import annotations

from skiptrace.flows.audit.runs import timed_stage
from skiptrace.progress import listening, stage_bar


def test_timed_stage_notifies_listeners(con) -> None:
    events: list[tuple[str, str]] = []
    with listening(lambda e, s: events.append((e, s))), timed_stage(con, "r", "ingest"):
        pass
    with timed_stage(con, "r", "match"):  # no listener: nothing recorded, nothing fails
        pass
    assert events == [("start", "ingest"), ("end", "ingest")]


def test_stage_bar_runs_through_all_stages(con) -> None:
    with stage_bar(enabled=True):
        for name in ("ingest", "standardize", "match", "resolve", "suppress", "emit"):
            with timed_stage(con, "r", name):
                pass


def test_log_lines_print_above_the_bar_on_its_console(con) -> None:
    """Prefect's console handler (bound to the real stderr) is routed through the bar's console
    while the bar shows, and restored afterwards."""
    import io
    import logging
    import sys

    from prefect.logging.handlers import PrefectConsoleHandler
    from rich.console import Console

    screen = io.StringIO()
    handler = PrefectConsoleHandler(stream=sys.__stderr__)
    logger = logging.getLogger("skiptrace.test.progress")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        with stage_bar(enabled=True, console=Console(file=screen, force_terminal=True, width=100)):
            logger.warning("a log line while the bar shows")
            with timed_stage(con, "r", "ingest"):
                pass
        assert handler.console.file is sys.__stderr__  # its own console again
    finally:
        logger.removeHandler(handler)
        logger.propagate = True
    assert "a log line while the bar shows" in screen.getvalue()
