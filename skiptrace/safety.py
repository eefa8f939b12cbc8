"""Errors of the run-level safety checks, each a one-line message with a documented exit code.

A refresh refuses to start, or stops before anything is published, when going on would lose or
leak data: a delivery that would silently remove most contacts, an HMAC key other than the one
the database's SSN hashes were made with, an output folder it cannot write. The checks live in
`skiptrace.flows.orchestration.guards`; the errors live here, in the core package, so every
layer (ingest's key lookup included) can raise them.

Exit codes (README, "Exit codes"): 6 = the run was refused by a safety check; 3 = configuration
(a key that cannot be found, a folder that cannot be written, an invalid setting).
"""

from __future__ import annotations

import logging

from skiptrace.errors import ConfigError, RunRefused

#: The largest share of accounts or contacts a run may remove, and of the collections system's
#: active contacts or holds a push may retire or lift, without `allow_shrink`
#: (RefreshParams.max_shrink, `skiptrace push --max-shrink`).
MAX_SHRINK = 0.2


class SafetyError(RunRefused):
    """A run refused by a safety check. The message is one line and says how to proceed."""

    exit_code = 6


class ShrinkError(SafetyError):
    """The delivery would remove more than the allowed share of accounts or contacts."""


class RejectRateError(SafetyError):
    """A file's share of rejected rows passes its source's `max_reject_rate`."""


class KeyMismatchError(SafetyError):
    """The HMAC key is not the one this database's SSN hashes were made with."""


class SetupError(ConfigError):
    """The run cannot start as configured (missing key, unwritable folder, bad setting)."""

    exit_code = 3


class KeyMissingError(SetupError):
    """The database holds SSN hashes but the key that made them is not where it is looked for."""


class NotWritableError(SetupError):
    """The output folder or the database cannot be written."""


#: The override a shrink or reject-rate refusal names in its message.
ALLOW_SHRINK_HINT = (
    "re-run with --allow-shrink (RefreshParams.allow_shrink: the override of every delivery check,"
    " reject rates included) if this is intended"
)


class QuietRefusals(logging.Filter):
    """Drop the traceback from log records of these errors (Prefect logs a failed flow's
    exception with its traceback): a refusal is an expected outcome with a one-line message,
    and the stack says nothing an operator can act on. The message itself is kept."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], SafetyError | SetupError):
            record.exc_info = None
            record.exc_text = None
        return True


def install_quiet_refusals(*logger_names: str) -> None:
    """Attach `QuietRefusals` to every handler of the named loggers (Prefect's by default)."""
    names = logger_names or ("prefect", "prefect.flow_runs", "prefect.task_runs", "skiptrace")
    for name in names:
        for handler in logging.getLogger(name).handlers:
            if not any(isinstance(f, QuietRefusals) for f in handler.filters):
                handler.addFilter(QuietRefusals())
