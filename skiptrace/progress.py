"""Stage progress notifications, so the CLI can show a live progress bar.

Stages announce themselves through `timed_stage`; whoever is interested (the CLI's rich bar)
subscribes. Tasks run in threads of the same process in Prefect's default runner, so a
process-wide list of listeners reaches them; with no listener this costs nothing.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

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


@contextmanager
def stage_bar(enabled: bool = True) -> Iterator[None]:
    """A rich progress bar over the refresh's stages, with elapsed time."""
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
    )
    task = progress.add_task("starting", total=len(STAGES))

    def on_event(event: str, stage: str) -> None:
        if event == "start":
            progress.update(task, description=stage)
        elif event == "end" and stage in STAGES:
            progress.advance(task)
            if progress.tasks[0].completed >= len(STAGES):
                progress.update(task, description="done")

    with progress, listening(on_event):
        yield
