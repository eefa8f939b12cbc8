"""A Prefect progress artifact for each refresh: how many stages are done, in the UI.

`skiptrace run` shows a live bar in the terminal; a deployed run has no terminal, and the
operator watching it in the Prefect UI saw nothing between "Running" and the end. The
`skiptrace-progress` artifact of the flow run moves from 0 to 100 % as the stages of
skiptrace.progress.STAGES end, fed by the same stage notices as the bar.
"""

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from skiptrace.progress import STAGES, listening

KEY = "skiptrace-progress"

log = logging.getLogger("skiptrace")


@contextmanager
def progress_artifact(run_id: str) -> Iterator[Any]:
    """Create the run's progress artifact at 0 % and advance it as stages end.

    A failure to talk to the API is logged, never fatal: progress is a courtesy, the run is not.
    """
    from prefect.artifacts import create_progress_artifact, update_progress_artifact

    try:
        artifact_id = create_progress_artifact(
            progress=0.0, key=KEY, description=f"skiptrace run {run_id}: stages completed"
        )
    except Exception:
        log.warning("run %s: could not create the progress artifact", run_id, exc_info=True)
        yield None
        return
    done: set[str] = set()

    def on_event(event: str, stage: str) -> None:
        if event != "end" or stage not in STAGES or stage in done:
            return
        done.add(stage)
        try:
            update_progress_artifact(artifact_id, progress=100.0 * len(done) / len(STAGES))  # type: ignore[arg-type]
        except Exception:
            log.warning("run %s: could not update the progress artifact", run_id, exc_info=True)

    with listening(on_event):
        yield artifact_id
