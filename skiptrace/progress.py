"""Stage progress notifications, so the CLI can show a live progress bar.

Stages announce themselves through `timed_stage`; whoever is interested (the CLI's rich bar)
subscribes. Tasks run in threads of the same process in Prefect's default runner, so a
process-wide list of listeners reaches them; with no listener this costs nothing.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

#: The refresh's stages in order, for a bar with a known total.
STAGES: tuple[str, ...] = ("ingest", "standardize", "match", "resolve", "suppress", "emit")

Listener = Callable[[str, str], None]  # (event 'start'|'end', stage name)
_listeners: list[Listener] = []
_lock = threading.Lock()


def notify(event: str, stage: str) -> None:
    with _lock:
        listeners = list(_listeners)
    for listener in listeners:
        listener(event, stage)


@contextmanager
def listening(listener: Listener) -> Iterator[None]:
    with _lock:
        _listeners.append(listener)
    try:
        yield
    finally:
        with _lock:
            _listeners.remove(listener)


def _terminal_log_handlers() -> list[logging.Handler]:
    """Handlers of every configured logger that write to the terminal (Prefect's console
    handler on the root logger, plain stream handlers on stderr/stdout)."""
    loggers = [logging.getLogger()] + [
        lg for lg in logging.Logger.manager.loggerDict.values() if isinstance(lg, logging.Logger)
    ]
    found: dict[int, logging.Handler] = {}
    for lg in loggers:
        for h in lg.handlers:
            writes_to_terminal = getattr(h, "console", None) is not None or (
                type(h) is not logging.FileHandler
                and getattr(h, "stream", None) in (sys.__stderr__, sys.__stdout__)
            )
            if writes_to_terminal:
                found[id(h)] = h
    return list(found.values())


@contextmanager
def logs_above_the_bar(live_console: Any) -> Iterator[None]:
    """Send terminal log handlers through the live display's console, and back afterwards.

    Prefect's console handler holds its own rich Console bound to the real stderr when logging
    was configured, so its lines were drawn over the bar. For the bar's lifetime such handlers
    print with the bar's console (rich then prints above the bar), and plain stream handlers
    write to the live display's redirected stderr, which does the same.
    """
    swapped: list[tuple[logging.Handler, str, Any]] = []
    for h in _terminal_log_handlers():
        if getattr(h, "console", None) is not None:
            swapped.append((h, "console", h.console))  # type: ignore[attr-defined]
            h.console = live_console  # type: ignore[attr-defined]
        elif isinstance(h, logging.StreamHandler):
            swapped.append((h, "stream", h.setStream(sys.stderr)))
    try:
        yield
    finally:
        for h, kind, previous in reversed(swapped):
            if kind == "console":
                h.console = previous
            else:
                h.setStream(previous)


@contextmanager
def stage_bar(enabled: bool = True, console: Any = None) -> Iterator[None]:
    """A rich progress bar over the refresh's stages, with elapsed time; log lines printed
    meanwhile appear above it (`logs_above_the_bar`). `console`: the rich Console to draw on
    (default: the terminal)."""
    if not enabled:
        yield
        return
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    progress = Progress(
        SpinnerColumn(),
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total} stages"),
        TimeElapsedColumn(),
        transient=False,
        console=console,
    )
    task = progress.add_task("starting", total=len(STAGES))

    def on_event(event: str, stage: str) -> None:
        if event == "start":
            progress.update(task, description=stage)
        elif event == "end" and stage in STAGES:
            progress.advance(task)
            if progress.tasks[0].completed >= len(STAGES):
                progress.update(task, description="done")

    with progress, logs_above_the_bar(progress.console), listening(on_event):
        yield
