"""schedule_check: `serve` warns once when no scheduled run appears, and only then.

The API query itself (has_scheduled_run) runs against a real server in
test_deployment_server.py::test_scheduler_starts_a_served_run.
"""

from __future__ import annotations

import pytest

from skiptrace.flows.orchestration import schedule_check


def _watch(monkeypatch: pytest.MonkeyPatch, answers: list[bool]) -> list[str]:
    """Run the check to its end with has_scheduled_run answering `answers` in turn (then the
    last one again); return the warnings."""
    asked = iter(answers)
    monkeypatch.setattr(
        schedule_check, "has_scheduled_run", lambda flow, name: next(asked, answers[-1])
    )
    warnings: list[str] = []
    thread = schedule_check.watch_first_scheduled_run(
        "refresh", "nightly", warnings.append, wait=0.5, every=0.05
    )
    thread.join(5)
    assert not thread.is_alive()
    return warnings


def test_no_scheduled_run_warns_once(monkeypatch: pytest.MonkeyPatch) -> None:
    (line,) = _watch(monkeypatch, [False])
    assert line.startswith("warning: no scheduled run of refresh/nightly after 0.5 s")
    assert "\n" not in line


def test_a_scheduled_run_after_a_while_is_quiet(monkeypatch: pytest.MonkeyPatch) -> None:
    assert _watch(monkeypatch, [False, False, True]) == []


def test_an_api_error_ends_the_check_without_a_warning(monkeypatch: pytest.MonkeyPatch) -> None:
    def unreachable(flow: str, name: str) -> bool:
        raise OSError("connection refused")

    monkeypatch.setattr(schedule_check, "has_scheduled_run", unreachable)
    warnings: list[str] = []
    schedule_check.watch_first_scheduled_run("refresh", "n", warnings.append, wait=0.5).join(5)
    assert warnings == []
