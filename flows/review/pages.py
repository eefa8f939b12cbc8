"""What each workbench page shows, read from the database opened read-only for one request.

Why per request and read-only: a nightly run must be able to take the database for writing at
any moment, and DuckDB lets one process write only while no other process has the file open.
The workbench therefore holds no connection between requests; when a run has the file, opening
fails and the page says a run is in progress instead (decisions are still accepted: they go to
the queue file, see store.py).

Personal data shown: on a held pair's page names, addresses, phones and emails in full (a
reviewer must compare them), the SSN as its last four digits only, the date of birth as its
year unless a reviewer asks for the full date (the app logs that view). The account page shows
what `skiptrace explain` shows, masked, and its outcomes masked the same way (account_outcomes).
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb

from skiptrace import sql
from skiptrace.flows.audit.lineage import (
    LineageError,
    explain_account,
    mask_contact_key,
    run_constants,
)
from skiptrace.masking import mask_name
from skiptrace.matchers.explain import explain_pair, load_run_params, probability_of

PAGE_SIZE = 50
#: How long a page waits for a run to let go of the database between two of its stages.
BUSY_WAIT_SECONDS = 1.0
#: DuckDB threads per request: a page's queries read a few row groups each, and more threads
#: only add scheduling (measured: a fifth slower account pages on the loaded 2-core machine).
READ_THREADS = 1


class RunCache:
    """Per-run constants of one database file (explain's run data, the matcher's parameters,
    the outcome tables), kept between requests while the file is unchanged.

    Why: the workbench opens the database for each request and holds nothing open (see above),
    but most of what an account page reads is the same for every account of a run; reading it
    once per file version saves a scan of every run's contact_support per page. The file's
    identity (size, modification time and inode of the database and its WAL) is taken while a
    request's read-only connection is open, when no other process can write it, so an entry
    never outlives the data it was read from.
    """

    def __init__(self, db_path: str | os.PathLike[str], keep: int = 8) -> None:
        self.db_path = Path(db_path)
        self.keep = keep
        self._identity: tuple[Any, ...] | None = None
        self._entries: dict[tuple[Any, ...], Any] = {}

    def _current(self) -> tuple[Any, ...]:
        out: list[Any] = []
        for path in (self.db_path, self.db_path.with_name(self.db_path.name + ".wal")):
            try:
                st = path.stat()
            except FileNotFoundError:
                out.append(None)
                continue
            out.append((st.st_ino, st.st_size, st.st_mtime_ns))
        return tuple(out)

    def get(self, key: tuple[Any, ...], build: Callable[[], Any]) -> Any:
        """The entry `key` of the file as it is now, built (and kept) when missing."""
        identity = self._current()
        if identity != self._identity:
            self._identity, self._entries = identity, {}
        if key not in self._entries:
            if len(self._entries) >= self.keep:
                self._entries.pop(next(iter(self._entries)))
            self._entries[key] = build()
        return self._entries[key]


def _cached(cache: RunCache | None, key: tuple[Any, ...], build: Callable[[], Any]) -> Any:
    return cache.get(key, build) if cache is not None else build()


class DatabaseBusy(RuntimeError):
    """Another process (a run) holds the database: the page cannot be read now."""


class NotFound(LookupError):
    """The account / pair asked for is not in the run shown."""


@contextmanager
def read_only(db_path: str | os.PathLike[str], wait: float = BUSY_WAIT_SECONDS) -> Iterator[Any]:
    """A read-only connection for one request, closed after it; DatabaseBusy when locked."""
    deadline = time.monotonic() + wait
    while True:
        try:
            con = sql.connect(Path(db_path), read_only=True, threads=READ_THREADS)
            break
        except duckdb.IOException as exc:
            if time.monotonic() >= deadline:
                raise DatabaseBusy(str(exc)) from exc
            time.sleep(0.1)
    try:
        yield con
    finally:
        con.close()


def latest_run(con: Any) -> dict[str, Any] | None:
    found = sql.rows(con, "review/latest_run.sql")
    return found[0] if found else None


def pair_key(account_id: str, rec_id: int | str) -> str:
    return f"{account_id}|{rec_id}"


def split_key(key: str | None) -> tuple[str, int] | None:
    if not key:
        return None
    account_id, _, rec = key.rpartition("|")
    return account_id, int(rec)


def queue(con: Any, run_id: str, decided: list[str], page: int = 0) -> tuple[list[dict], int]:
    """One page of undecided held pairs and the queue's length."""
    sql.run(con, "review/queue_items.sql")  # the items, shared with neighbours()
    items = sql.rows(
        con, "review/queue.sql", run_id=run_id, decided=decided, limit=PAGE_SIZE,
        offset=page * PAGE_SIZE,
    )  # fmt: skip
    total = int(items[0]["total"]) if items else 0
    return items, total


def neighbours(
    con: Any, run_id: str, decided: list[str], account_id: str, rec_id: int
) -> tuple[str | None, str | None]:
    sql.run(con, "review/queue_items.sql")
    found = sql.rows(
        con, "review/queue_neighbours.sql", run_id=run_id, decided=decided,
        account_id=account_id, rec_id=rec_id,
    )  # fmt: skip
    return (found[0]["prev_key"], found[0]["next_key"]) if found else (None, None)


def _name(row: dict[str, Any]) -> str:
    parts = [row.get(k) for k in ("first_name", "middle_name", "last_name", "suffix")]
    return " ".join(p for p in parts if p) or (row.get("full_name") or "")


def _dob(value: Any, full: bool) -> str:
    if not isinstance(value, dt.date):
        return ""
    return value.isoformat() if full else f"{value.year} (year only)"


def _side(row: dict[str, Any] | None, full_dob: bool) -> dict[str, str]:
    """One record as the side-by-side table shows it (SSN last four, DOB year unless asked)."""
    if not row:
        return {}
    phones = ", ".join(p for p in (row.get("phone"), row.get("phone_2"), row.get("phone_3")) if p)
    place = " ".join(x for x in (row.get("city"), row.get("state"), row.get("zip")) if x)
    return {
        "Name": _name(row),
        "SSN": f"***-**-{row['ssn_last4']}" if row.get("ssn_last4") else "",
        "Date of birth": _dob(row.get("dob"), full_dob),
        "Address": " ".join(x for x in (row.get("address_line1"), row.get("address_line2")) if x),
        "City / state / ZIP": place,
        "Phone": phones,
        "Email": row.get("email") or "",
        "File, line": f"{row.get('file_name') or '?'}:{row.get('line_no') or '?'}",
    }


SIDE_FIELDS = (
    "Name", "SSN", "Date of birth", "Address", "City / state / ZIP", "Phone", "Email", "File, line",
)  # fmt: skip


def pair(
    con: Any,
    run_id: str,
    account_id: str,
    rec_id: int,
    *,
    full_dob: bool,
    cache: RunCache | None = None,
) -> dict[str, Any]:
    """A held pair: both records side by side and the match waterfall."""
    found = sql.rows(con, "review/pair.sql", run_id=run_id, account_id=account_id, rec_id=rec_id)
    if not found:
        raise NotFound(f"no pair account {account_id} / record {rec_id} in run {run_id}")
    acct = sql.rows(con, "review/pair_account.sql", account_id=account_id)
    rec = sql.rows(con, "review/pair_record.sql", rec_id=rec_id)
    exp = explain_pair(
        con, run_id, account_id, rec_id,
        run_params=_cached(cache, ("run_params", run_id), lambda: load_run_params(con, run_id)),
    )  # fmt: skip
    steps = [
        {"field": "prior", "level": "", "label": "P(two random records match)",
         "weight": exp.prior_weight, "probability": probability_of(exp.prior_weight)}
    ]  # fmt: skip
    for s in exp.steps:
        tf = f" (tf {s.tf_adjustment:+.2f})" if s.tf_adjustment else ""
        steps.append(
            {"field": s.comparison, "level": s.level, "label": s.label + tf,
             "weight": s.partial_weight, "probability": s.running_probability}
        )  # fmt: skip
    for st in steps:
        st["bar"] = min(100, round(abs(float(str(st["weight"]))) * 5))
    left, right = (
        _side(acct[0] if acct else None, full_dob),
        _side(rec[0] if rec else None, full_dob),
    )
    return {
        **found[0],
        "record": rec[0] if rec else {},
        "rows": [(f, left.get(f, ""), right.get(f, "")) for f in SIDE_FIELDS],
        "waterfall": steps,
        "final_probability": exp.final_probability,
        "threshold": exp.threshold,
        "guard_description": exp.guard_description,
        "notes": exp.notes,
    }


def decision_target_problem(
    con: Any, *, run_id: str, account_id: str, rec_id: int, source: str, record_id: str
) -> str | None:
    """Why a decision on this pair cannot be taken (one sentence), or None when run `run_id`
    stored the pair of that account and that source record. Why check: the match stage applies a
    decision by account, source and source record id, so one naming anything else was queued,
    imported and then did nothing, while the reviewer had been told "recorded"."""
    if not run_id:
        return "the decision names no run (decide from a held pair's page)"
    found = sql.rows(
        con, "review/decision_target.sql", run_id=run_id, account_id=account_id, rec_id=rec_id,
        source=source, record_id=record_id,
    )[0]  # fmt: skip
    if found["pair_known"]:
        return None
    if not found["run_known"]:
        return f"there is no run {run_id} in this database"
    if not found["account_known"]:
        return f"there is no account {account_id} in this database"
    if not found["record_known"]:
        return f"there is no {source} record {record_id} in this database"
    return (
        f"run {run_id} stored no pair of account {account_id} and {source} record {record_id}"
        f" (rec {rec_id})"
    )


def applied_decisions(con: Any, account_id: str) -> set[str]:
    """Ids of the account's decisions a completed run has taken in (the others are pending)."""
    return {r["decision_id"] for r in sql.rows(con, "review/applied_decisions.sql",
                                               account_id=account_id)}  # fmt: skip


def flags(con: Any, run_id: str, page: int = 0) -> tuple[list[dict], int]:
    """One page of what a person must look at: disputed flags and accounts a hold rule holds
    (review/flags.sql says why holds are found by the rule's action, not by flag names)."""
    items = sql.rows(
        con, "review/flags.sql", run_id=run_id, limit=PAGE_SIZE, offset=page * PAGE_SIZE
    )
    return items, int(items[0]["total"]) if items else 0


#: Outcome rows an account page lists (the newest).
OUTCOME_ROWS = 50


def account_outcomes(con: Any, account_id: str, *, agents: bool) -> list[dict[str, Any]]:
    """The collectors' outcomes of one account, masked like the rest of the account page.

    The contact shows the way the page's contacts do (a phone as its last four digits, an email
    as its first letter and domain, an address with its words masked), for every role: which
    of the account's contacts an outcome is about is read from those, and the outcome, its date
    and time and where the row came from (origin, its id there, the run that stored it) stay in
    full, as compliance follows a cease-and-desist or a wrong number back by them. The agent who
    recorded it is a collector's name: a reviewer, who follows such an outcome up with whoever
    took it, sees it (`agents`); a viewer, who only reads, sees it masked like every name here.
    Why not every column of every outcome table, as before: the page then showed the numbers
    and names unmasked, and any table added later would have shown whatever it held.
    """
    try:
        rows = sql.rows(con, "review/account_outcomes.sql", account_id=account_id,
                        limit=OUTCOME_ROWS)  # fmt: skip
    except duckdb.CatalogException:  # a database older than contact_outcomes (018)
        return []
    return [
        {
            "date": r["outcome_date"].isoformat() if r["outcome_date"] else "",
            "time": r["outcome_time"].isoformat() if r["outcome_time"] else "",
            "outcome": r["outcome"] or "",
            "contact_type": r["contact_type"] or "",
            "contact": mask_contact_key(r["contact_type"], r["contact_key"] or r["contact"]),
            "agent": (r["agent"] or "") if agents else mask_name(r["agent"]),
            "origin": r["origin"] or "",
            "origin_id": r["origin_id"] or "",
            "run_id": r["run_id"] or "",
        }
        for r in rows
    ]


def account(
    con: Any,
    account_id: str,
    *,
    full_dob: bool,
    run_id: str | None = None,
    cache: RunCache | None = None,
    agents: bool = False,
) -> dict[str, Any]:
    """`skiptrace explain` for one account, plus its review decisions and its outcomes.

    `run_id` (the run the workbench shows) spares explain its search for the latest run that
    holds the account; an account missing from that run falls back to that search. `agents`:
    show the outcomes' agents in full (reviewers), see account_outcomes.
    """
    try:
        try:
            constants = (
                _cached(cache, ("explain", run_id), lambda: run_constants(con, run_id))
                if run_id is not None else None
            )  # fmt: skip
            doc = explain_account(con, account_id, run_id=run_id, constants=constants)
        except LineageError:
            if run_id is None:
                raise
            doc = explain_account(con, account_id)
    except LineageError as exc:
        raise NotFound(str(exc)) from exc
    doc["decisions"] = sql.rows(con, "review/account_decisions.sql", account_id=account_id)
    doc["outcomes"] = account_outcomes(con, account_id, agents=agents)
    if full_dob and doc.get("account"):
        acct = sql.rows(con, "review/pair_account.sql", account_id=account_id)
        doc["account"]["dob_full"] = _dob(acct[0]["dob"], True) if acct else ""
    return doc
