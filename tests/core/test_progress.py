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
