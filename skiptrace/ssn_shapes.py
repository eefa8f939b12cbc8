"""SSN-shaped numbers where nothing masks them: file names, paths and configuration files.

Ingestion hashes the SSN column, and log lines and artifacts are masked; but a file's name and
path, and the values of sources.yml, an account profile or a rules file, are stored as they are
(input_files, lineage, runs.params, run_config_files, Prefect's flow parameters) and shown in
every report, explain page and summary. An SSN there (`accounts_<the debtor's SSN>.csv`, a
`permissible_purpose` quoting one) would reach all of them. So they are refused where they come
in, before anything is stored and before Prefect starts: one line naming the option, file or
line, the number masked.

"SSN-shaped": what log masking reads as an SSN in text (skiptrace/masking.py `SSN_LIKE`): nine
digits grouped 3-2-4, the groups apart by nothing or a short run of spaces, dashes, dots,
slashes or underscores (their Unicode kin too), not inside a longer run of letters or digits:
`accounts_<nine digits>.csv` and `<3>-<2>-<4>.csv` are, an identifier such as A followed by
nine digits is not, nor a date with a sequence number (`accounts_<yyyymmdd>_<n>.csv`) or a ten-digit timestamp.
"""

from __future__ import annotations

import re

from skiptrace.masking import SSN_LIKE

_DIGIT = re.compile(r"\d")


def ssn_shaped(text: str) -> bool:
    """True when `text` holds an SSN-shaped number (module docstring)."""
    return SSN_LIKE.search(text) is not None


def mask_ssn_shapes(text: str, hidden: str = "*") -> str:
    """Every SSN-shaped number in `text` with its first five digits hidden, its separators and
    last four kept: `accounts_*****0009.csv`. `hidden='x'` gives a name safe in a shell."""

    def hide(m: re.Match[str]) -> str:
        head = m.group(0)[: m.start(1) - m.start(0)]
        return _DIGIT.sub(hidden, head) + m.group(1)

    return SSN_LIKE.sub(hide, text)


def ssn_shaped_lines(text: str) -> list[int]:
    """The 1-based numbers of the lines of `text` that hold an SSN-shaped number."""
    return [n for n, line in enumerate(text.splitlines(), start=1) if ssn_shaped(line)]


def config_refusal(text: str, where: str) -> str | None:
    """Why a configuration file's text is refused (an SSN-shaped number on some line, comments
    included: the whole file is recorded with every run), or None when it is not."""
    lines = ssn_shaped_lines(text)
    if not lines:
        return None
    shown = ", ".join(str(n) for n in lines[:10]) + (", ..." if len(lines) > 10 else "")
    return (
        f"{where}: an SSN-shaped number on line(s) {shown}: configuration is recorded with every "
        "run and shown in reports, explain and the review pages; remove it (a reference to a "
        "person does not belong in configuration)"
    )
