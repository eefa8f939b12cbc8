"""Lineage: why a contact was emitted (or suppressed), in terms an auditor can check.

For every contact point of an account, `explain_account` follows the lineage tables back to what
an auditor expects to see (docs/industry.md): the delivered file with its checksum, received date
and FCRA permissible purpose; the records that supported the value; the compared fields with
their scores (a Fellegi-Sunter waterfall: prior, then each field's partial weight and the running
match probability); the matcher version and threshold; the suppression decisions; the export and
run that carried it; and how long the raw data is retained.

Everything here is for humans outside the pipeline, so nothing raw leaves: names, phones, emails
and addresses are masked, the SSN appears only as its last four digits and a prefix of its hash,
and a date of birth only as its year.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
import re
from dataclasses import dataclass
from functools import cache
from typing import Any

import duckdb

from skiptrace import sql
from skiptrace.errors import UsageError
from skiptrace.flows.audit.archive import archived_run_views
from skiptrace.flows.audit.retention import DEFAULT_RETENTION, RETENTION_RULE, Period, parse_period
from skiptrace.masking import mask_email, mask_name, mask_phone, mask_text
from skiptrace.matchers.explain import probability_of, stored_fields
from skiptrace.sources.outcomes import outcome_lists

log = logging.getLogger("skiptrace.lineage")

#: Which exports carry a contact point that is not suppressed, by (role, contact type); None
#: stands for any type. Mirrors the WHERE clauses of sql/exports/export_*.sql (flows/exports/emit.py):
#: delta, worklist and manifest are per change / account / file, not per contact.
CONTACT_EXPORTS: dict[tuple[str, str | None], tuple[str, ...]] = {
    ("debtor", None): ("contacts_csv", "contacts_parquet"),
    ("debtor", "phone"): ("import_phones",),
    ("debtor", "address"): ("import_addresses",),
    ("third_party", None): ("location_info",),
}
CONTACT_EXPORT_KINDS = frozenset(k for kinds in CONTACT_EXPORTS.values() for k in kinds)


def carrying_kinds(role: str, contact_type: str, status: str | None) -> tuple[str, ...]:
    """Export kinds that carried a contact point (none when it was suppressed)."""
    if status == "suppressed":
        return ()
    any_type = CONTACT_EXPORTS.get((role, None), ())
    return any_type + CONTACT_EXPORTS.get((role, contact_type), ())


#: Account-export compliance flags worth showing next to the account.
ACCOUNT_FLAGS = (
    "cease_desist", "bankruptcy", "deceased", "attorney_represented", "dispute", "do_not_call",
    "paid_in_full",
)  # fmt: skip
#: Contact-point columns copied into the explanation as they are (no personal data in them).
_CONTACT_FIELDS = (
    "rank", "role", "status", "confidence", "sources", "first_seen", "last_seen", "time_zone",
    "phone_type", "dial_mode", "consent_autodialer", "on_hold", "tz_area_code", "tz_conflict",
    "relationship", "resolved_status",
)  # fmt: skip
_HASH_PREFIX = 12
#: Partial weights may be stored rounded; a larger gap means the score was adjusted (guard, TF).
_WEIGHT_TOLERANCE = 0.01


class LineageError(UsageError, LookupError):
    """The account, run or contact asked about is not in the lineage tables: the value given
    names nothing there (exit code 2)."""


# --------------------------------------------------------------------------- run inputs


def record_run_inputs(con: duckdb.DuckDBPyConnection, run_id: str) -> int:
    """Record the input files current for `run_id` (status 'loaded'); returns how many.

    Call at the end of ingest, before later deliveries can supersede anything: it is the only
    record of exactly which files a run saw, which replay and retention both depend on.
    Idempotent: a retried ingest replaces the run's earlier record.
    """
    with sql.transaction(con):
        sql.run(con, "DELETE FROM run_inputs WHERE run_id = $run_id", run_id=run_id)
        sql.run(
            con,
            "INSERT INTO run_inputs SELECT $run_id, file_no FROM input_files WHERE status = 'loaded'",
            run_id=run_id,
        )
    return int(
        sql.scalar(con, "SELECT count(*) FROM run_inputs WHERE run_id = $run_id", run_id=run_id)
        or 0
    )


def run_files(con: duckdb.DuckDBPyConnection, run_id: str) -> list[dict[str, Any]]:
    """The input files `run_id` used (recorded, or approximated for runs before run_inputs)."""
    return sql.rows(con, "audit/run_files.sql", run_id=run_id)


def lineage_gaps(con: duckdb.DuckDBPyConnection, run_id: str | None = None) -> list[dict[str, Any]]:
    """Contact points whose lineage does not reach an input file and a record (should be none).

    Contact keys are masked: the result is meant to be printed or attached to a failing check.
    """
    if run_id:
        rows = sql.rows(
            con,
            "SELECT * FROM contact_lineage_gaps WHERE run_id = $run_id ORDER BY ALL",
            run_id=run_id,
        )
    else:
        rows = sql.rows(con, "SELECT * FROM contact_lineage_gaps ORDER BY ALL")
    for r in rows:
        r["contact_key"] = mask_contact_key(r["contact_type"], r["contact_key"])
    return rows


# --------------------------------------------------------------------------- masking


@cache
def _address_keep() -> frozenset[str]:
    """Address words shown unmasked: Pub 28 directionals, suffixes and unit designators say
    nothing about the person and keep a masked address recognisable."""
    from skiptrace.matchers.pub28 import DIRECTIONALS, SUFFIXES, UNIT_DESIGNATORS

    words = {*DIRECTIONALS.values(), *SUFFIXES.values(), *UNIT_DESIGNATORS.values()}
    return frozenset(words | {"PO", "BOX", "RR", "HC", "#"})


def mask_address(
    line1: str | None, city: str | None = None, state: str | None = None, zip_: str | None = None
) -> str:
    """'123 N MAIN ST APT 4', 'SPRINGFIELD', 'IL', '62701' -> '1** N M*** ST APT 4, SPRINGFIELD IL 627**'.

    House and unit numbers keep their first character, street names their initial; city and
    state stay (they route mail and set the time zone), the ZIP keeps its first three digits.
    """
    keep = _address_keep()
    words = []
    for w in (line1 or "").split():
        if w.upper() in keep or len(w) == 1:
            words.append(w)
        else:
            words.append(w[0] + "*" * (len(w) - 1))
    place = " ".join(x for x in (city, state) if x)
    z = re.sub(r"\D", "", zip_ or "")
    tail = " ".join(x for x in (place, f"{z[:3]}**" if z else "") if x)
    return ", ".join(x for x in (" ".join(words), tail) if x) or "***"


def mask_contact_key(contact_type: str | None, key: str | None) -> str:
    """A contact_key (std_line1|zip5, E.164, email) in displayable form."""
    if not key:
        return ""
    if contact_type == "phone":
        return mask_phone(key)
    if contact_type == "email":
        return mask_email(key)
    line1, _, zip5 = key.partition("|")
    return mask_address(line1, None, None, zip5)


def _display(contact: dict[str, Any]) -> str:
    t = contact.get("contact_type")
    if t == "phone":
        ext = f" x{contact['extension']}" if contact.get("extension") else ""
        return mask_phone(contact.get("phone") or contact.get("contact_key")) + ext
    if t == "email":
        return mask_email(contact.get("email") or contact.get("contact_key"))
    if contact.get("address_line1"):
        line = " ".join(x for x in (contact["address_line1"], contact.get("address_line2")) if x)
        return mask_address(line, contact.get("city"), contact.get("state"), contact.get("zip"))
    return mask_contact_key(t, contact.get("contact_key"))


def _matches_contact(contact: dict[str, Any], value: str) -> bool:
    """Does a user-typed value name this contact? Phones by their last ten digits, emails
    case-insensitively, addresses by the standardized line (with or without the ZIP)."""
    v = value.strip()
    t, key = contact.get("contact_type"), contact.get("contact_key") or ""
    if t == "phone":
        digits = re.sub(r"\D", "", v)
        return len(digits) >= 7 and re.sub(r"\D", "", key).endswith(digits[-10:])
    if t == "email":
        return v.lower() == key.lower() or v.lower() == (contact.get("email") or "").lower()
    norm = " ".join(v.upper().replace(",", " ").split())
    line1, _, zip5 = key.partition("|")
    raw = " ".join((contact.get("address_line1") or "").upper().split())
    return norm in {key.upper(), line1.upper(), f"{line1} {zip5}".upper(), raw}


# --------------------------------------------------------------------------- waterfall


def _model(con: duckdb.DuckDBPyConnection, run_id: str) -> dict[str, Any]:
    rows = sql.rows(con, "SELECT * FROM match_model WHERE run_id = $run_id LIMIT 1", run_id=run_id)
    return rows[0] if rows else {}


def _level_labels(
    con: duckdb.DuckDBPyConnection, run_id: str, model: dict[str, Any]
) -> dict[tuple[str, int], str]:
    """Level labels of the run's parameters (or of the run it reused them from)."""
    candidates = [run_id]
    trained = str(model.get("trained_on") or "")
    if trained.startswith("reused:"):
        candidates.append(trained.split(":", 1)[1])
    for rid in candidates:
        rows = sql.rows(
            con,
            "SELECT comparison, level, label FROM match_params WHERE run_id = $run_id",
            run_id=rid,
        )
        if rows:
            return {(r["comparison"], int(r["level"])): r["label"] for r in rows}
    return {}


def waterfall_from_pair(
    pair: dict[str, Any], prior: float | None, labels: dict[tuple[str, int], str]
) -> list[dict[str, Any]]:
    """Prior, then each compared field's partial log2 weight and the running probability.

    Built from match_pairs.levels/weights (structs in the matcher's field order since migration
    100, JSON before; a field with no value is left out, as a missing key was) and the model
    prior; used when matchers.explain cannot explain a run (parameters of other comparison
    levels). The last step equals the recorded match probability unless the score was adjusted
    beyond its partial weights, which is then flagged.
    """
    levels = stored_fields(pair.get("levels"))
    weights = stored_fields(pair.get("weights"))
    steps: list[dict[str, Any]] = []
    running = 0.0
    if prior and 0.0 < prior < 1.0:
        running = math.log2(prior / (1.0 - prior))
        steps.append(
            {"field": "prior", "level": None, "label": f"λ = {prior:.4g}",
             "weight": round(running, 4), "probability": probability_of(running)}
        )  # fmt: skip
    for name in list(levels) + [k for k in weights if k not in levels]:
        level = levels.get(name)
        w = float(weights.get(name) or 0.0)
        running += w
        label = labels.get((name, int(level)), "") if level is not None else ""
        if not label and level == 0:
            label = "no data"
        steps.append(
            {"field": name, "level": level, "label": label, "weight": round(w, 4),
             "probability": probability_of(running)}
        )  # fmt: skip
    recorded = pair.get("match_weight")
    if steps and recorded is not None and abs(float(recorded) - running) > _WEIGHT_TOLERANCE:
        steps.append(
            {"field": "adjustment", "level": None,
             "label": "recorded weight differs from the sum of partial weights",
             "weight": round(float(recorded) - running, 4),
             "probability": probability_of(float(recorded))}
        )  # fmt: skip
    return steps


def _external_waterfall(
    con: duckdb.DuckDBPyConnection, run_id: str, account_id: str, rec_id: int
) -> dict[str, Any] | None:
    """The matcher's own explanation (matchers.explain.explain_pair) in this module's shape.

    It knows what match_pairs does not record in a readable form: term-frequency adjustments,
    m/u, the guard's description, conflicts with other accounts. If it cannot explain a pair
    (e.g. a run scored by an older matcher with different levels), the match_pairs JSON is used
    instead, with a warning, rather than failing an audit query.
    """
    from skiptrace.matchers import explain

    try:
        exp = explain.explain_pair(con, run_id, account_id, rec_id)
    except (LookupError, ValueError) as exc:
        log.warning("explain_pair cannot explain rec %s (%s); using match_pairs", rec_id, exc)
        return None
    steps = [
        {"field": "prior", "level": None, "label": f"λ = {exp.prior_probability:.4g}",
         "weight": round(exp.prior_weight, 4), "probability": probability_of(exp.prior_weight)}
    ]  # fmt: skip
    for st in exp.steps:
        tf = f" (tf {st.tf_adjustment:+.2f})" if st.tf_adjustment else ""
        steps.append(
            {"field": st.comparison, "level": st.level, "label": st.label + tf,
             "weight": round(st.partial_weight, 4), "probability": st.running_probability}
        )  # fmt: skip
    return {
        "waterfall": steps,
        "guard_description": exp.guard_description,
        "conflict": exp.conflict,
        "notes": list(exp.notes),
    }


# --------------------------------------------------------------------------- explain


def latest_run_for_account(con: duckdb.DuckDBPyConnection, account_id: str) -> str | None:
    """The latest completed run that holds `account_id` (contacts, matches or flags) among the
    runs whose rows are in the database (an archived run's are in its files: not searched)."""
    return sql.scalar(con, "audit/latest_run_for_account.sql", account_id=account_id)


def run_on_date(con: duckdb.DuckDBPyConnection, day: dt.date) -> str | None:
    """The run whose results were the newest on `day`: the last completed run that ended (UTC)
    on or before the end of that day, archived or not (`explain --on`)."""
    return sql.scalar(con, "audit/run_on_date.sql", day=day)


def account_runs(con: duckdb.DuckDBPyConnection, account_id: str) -> list[dict[str, Any]]:
    """The completed runs that hold `account_id`, newest first, with when each was first pushed,
    and the archived runs (not searched: `holds` None) (`explain --runs`)."""
    found = [
        {k: _plain(v) for k, v in r.items()}
        for r in sql.rows(con, "audit/account_runs.sql", account_id=account_id)
    ]
    return [r for r in found if r["holds"] is not False]


def _archived_runs_hint(con: duckdb.DuckDBPyConnection) -> str:
    """What the default lookup did not search: '; N archived run(s) ... were not searched ...'."""
    try:
        archived = [r["run_id"] for r in sql.rows(con, "audit/archived_completed_runs.sql")]
    except duckdb.CatalogException:  # a database from before migration 095
        return ""
    if not archived:
        return ""
    span = archived[0] if len(archived) == 1 else f"{archived[0]} .. {archived[-1]}"
    return (
        f"; {len(archived)} archived run(s) ({span}) were not searched: explain one with "
        "--run RUN_ID (skiptrace explain ACCOUNT --runs or skiptrace archive --list lists them)"
    )


@dataclass(frozen=True)
class RunConstants:
    """What every explanation of one run shares: the run row, its model and waterfall
    parameters, its input files, its exports and when each file was last used.

    Read once by `run_constants`; a caller explaining many accounts of an unchanged database
    (the review workbench) keeps it and passes it to `explain_account`, which otherwise reads
    it for each call. input_file_usage alone scans every run's contact_support.
    """

    run_id: str
    run: dict[str, Any]
    model: dict[str, Any]
    files: list[dict[str, Any]]
    usage: dict[int, dict[str, Any]]
    exports: list[dict[str, Any]]
    labels: dict[tuple[str, int], str]
    run_params: Any  # matchers.explain.RunParams, or None when the matcher cannot explain it


def run_constants(con: duckdb.DuckDBPyConnection, run_id: str) -> RunConstants:
    """The per-run part of an explanation; LineageError when the run does not exist."""
    from skiptrace.matchers import explain

    run = sql.rows(con, "SELECT * FROM runs WHERE run_id = $run_id", run_id=run_id)
    if not run:
        raise LineageError(f"run {run_id!r} not found")
    model = _model(con, run_id)
    try:
        run_params = explain.load_run_params(con, run_id)
    except (LookupError, ValueError):
        run_params = None  # explain_pair says why, once per account
    exports = sql.rows(
        con,
        "SELECT kind, path, sha256, rows, written_at FROM exports WHERE run_id = $run_id ORDER BY kind",
        run_id=run_id,
    )
    return RunConstants(
        run_id=run_id,
        run=run[0],
        model=model,
        files=run_files(con, run_id),
        usage={int(u.pop("file_no")): u for u in sql.rows(con, "audit/file_usage.sql")},
        exports=[_export(e) for e in exports],
        labels=_level_labels(con, run_id, model),
        run_params=run_params,
    )


def _with_usage(
    rows: list[dict[str, Any]], usage: dict[int, dict[str, Any]], *columns: str
) -> list[dict[str, Any]]:
    """Add input_file_usage's `columns` to each row by its file_no (None for no file)."""
    for r in rows:
        found = usage.get(r["file_no"]) if r.get("file_no") is not None else None
        for c in columns:
            r[c] = found.get(c) if found else None
    return rows


def explain_account(
    con: duckdb.DuckDBPyConnection,
    account_id: str,
    run_id: str | None = None,
    contact: str | None = None,
    *,
    on: dt.date | None = None,
    retention: str = DEFAULT_RETENTION,
    constants: RunConstants | None = None,
) -> dict[str, Any]:
    """Every emitted and suppressed contact of `account_id` in a run, with its full lineage.

    Default run: the latest completed run containing the account (among the runs not archived;
    the error says when archived runs were left unsearched). `on`: instead, the run whose
    results were the newest on that day (run_on_date), archived or not: what the collector
    had from us that day. `contact` restricts the contacts to those a user-typed value names
    (phone, email or address line). The result is JSON-able (dates as ISO strings) and holds
    masked values only. `constants` (run_constants of the same run and an unchanged database)
    spares the per-run reads.
    """
    selected = None
    if on is not None:
        if run_id:
            raise LineageError("give a run id or a date (--on), not both")
        run_id = run_on_date(con, on)
        if run_id is None:
            raise LineageError(f"no completed run had ended by the end of {on} (UTC)")
        selected = f"the last completed run that ended on or before {on} (UTC)"
    run_id = run_id or latest_run_for_account(con, account_id)
    if run_id is None:
        raise LineageError(
            f"account {account_id!r} is in no completed run{_archived_runs_hint(con)}"
        )
    # an archived run (skiptrace archive) is read from its Parquet files
    with archived_run_views(con, run_id):
        try:
            doc = _explain_run(con, account_id, run_id, contact, retention, constants)
        except LineageError as exc:
            if selected is None:
                raise
            raise LineageError(f"{exc}, {selected}") from None
    if selected is not None:
        doc["run"]["selected"] = selected
    return doc


def _explain_run(
    con: duckdb.DuckDBPyConnection,
    account_id: str,
    run_id: str,
    contact: str | None,
    retention: str,
    constants: RunConstants | None,
) -> dict[str, Any]:
    from skiptrace.matchers import explain

    if constants is None or constants.run_id != run_id:
        constants = run_constants(con, run_id)
    period = parse_period(retention)
    model, files, usage = constants.model, constants.files, constants.usage
    contacts = sql.rows(
        con,
        "audit/contact_points_explain.sql",
        run_id=run_id,
        account_id=account_id,
    )
    pairs = _with_usage(
        sql.rows(con, "audit/explain_pairs.sql", run_id=run_id, account_id=account_id),
        usage,
        "last_used_at",
        "purged_at",
    )
    if not contacts and not pairs:
        flags = sql.scalar(
            con,
            "SELECT count(*) FROM account_flags WHERE run_id = $run_id AND account_id = $account_id",
            run_id=run_id,
            account_id=account_id,
        )
        if not flags:
            raise LineageError(f"account {account_id!r} has no lineage in run {run_id!r}")
    support = _with_usage(
        sql.rows(con, "audit/explain_support.sql", run_id=run_id, account_id=account_id),
        usage,
        "last_used_run",
        "last_used_at",
    )
    suppressions = sql.rows(
        con,
        "SELECT contact_type, contact_key, role, rule, action, reason, regulation FROM suppressions"
        " WHERE run_id = $run_id AND account_id = $account_id"
        " ORDER BY contact_type NULLS FIRST, rule",
        run_id=run_id,
        account_id=account_id,
    )
    sql.run(con, "outcomes/vocabulary.sql")
    sql.run(con, "outcomes/latest.sql")  # outcomes_known: the reports the run knew
    outcomes = [
        {k: _plain(v) for k, v in o.items()}
        for o in sql.rows(con, "audit/explain_outcomes.sql", run_id=run_id, account_id=account_id)
    ]
    exports = [dict(e) for e in constants.exports]
    out_contacts = [
        _contact_entry(n, c, support, suppressions, exports, period, outcomes)
        for n, c in enumerate(contacts, start=1)
        if not contact or _matches_contact(c, contact)
    ]
    if contact and not out_contacts:
        raise LineageError(
            f"no contact of account {account_id!r} in run {run_id!r} matches {contact!r}"
        )
    all_pairs = pairs
    if contact:  # only the records behind the contacts asked about
        cited = {s["rec_id"] for c in out_contacts for s in c["support"]}
        pairs = [p for p in pairs if p["rec_id"] in cited]
    labels = constants.labels
    reviews = _reviews(con, run_id, account_id)
    matches: list[dict[str, Any]] = []
    use_matcher = True  # once the matcher cannot explain this run's pairs, don't ask per pair
    with explain.account_batch(con, run_id, account_id, constants.run_params, all_pairs):
        for p in pairs:
            matches.append(
                _match(con, run_id, account_id, p, model.get("prior"), labels, period, use_matcher)
            )
            use_matcher = matches[-1]["waterfall_from"] == "matchers.explain"
            if (review := reviews.get(p["rec_id"])) is not None:
                matches[-1]["review"] = review
                matches[-1]["notes"] = [*matches[-1]["notes"], _review_note(review, account_id)]

    account_row = _with_usage(
        sql.rows(
            con, "audit/account_row.sql", account_id=account_id,
            file_nos=[f["file_no"] for f in files],
        ),
        usage,
        "last_used_at",
        "purged_at",
    )  # fmt: skip
    account = _account(account_row[0] if account_row else None, period)
    if account is None:  # the account file's raw rows purged under retention: say so
        own = [s["file_no"] for s in support if s["rec_id"] is None and s["file_no"] is not None]
        gone = sql.rows(
            con, "audit/account_purged_file.sql", file_nos=[f["file_no"] for f in files],
            cited=own,
        )  # fmt: skip
        account = _purged_account(gone[0], period) if gone else None
    flags = sql.rows(
        con,
        "SELECT flag, confidence, evidence, rec_id, records FROM account_flags"
        " WHERE run_id = $run_id AND account_id = $account_id ORDER BY flag",
        run_id=run_id,
        account_id=account_id,
    )
    r = constants.run
    return {
        "account_id": account_id,
        "run": {
            "run_id": run_id,
            "status": r["status"],
            "as_of": _plain(r["as_of"]),
            "started_at": _plain(r["started_at"]),
            "ended_at": _plain(r["ended_at"]),
            "code_version": r["code_version"],
            "matcher_version": model.get("matcher_version"),
            "threshold": model.get("threshold"),
            "prior": model.get("prior"),
            "trained_on": model.get("trained_on"),
            "inputs_recorded": bool(files and files[0]["recorded"]),
            "exports": exports,
            "pushes": _pushes(con, run_id),
        },
        "account": account,
        "account_flags": [
            {**{k: _plain(v) for k, v in f.items()}, "evidence": mask_text(f["evidence"] or "")}
            for f in flags
        ],
        "account_suppressions": [
            _suppression(s) for s in suppressions if s["contact_type"] is None
        ],
        # collectors' reports that are facts about the account (cease-and-desist, attorney ...:
        # account_fact_outcomes(), sql/outcomes/vocabulary.sql)
        "account_outcomes": [
            o for o in outcomes if o["outcome"] in outcome_lists()["account_fact_outcomes"]
        ],
        "contacts": out_contacts,
        "matches": matches,
        "summary": {
            "contacts": len(out_contacts),
            "emitted": sum(c["emitted"] for c in out_contacts),
            "suppressed": sum(not c["emitted"] for c in out_contacts),
            "debtor_records": sum(m["role"] == "debtor" for m in matches),
            "associate_records": sum(m["role"] == "associate" for m in matches),
            "rejected_records": sum(m["role"] == "rejected" for m in matches),
        },
    }


def _contact_entry(
    n: int,
    c: dict[str, Any],
    support: list[dict[str, Any]],
    suppressions: list[dict[str, Any]],
    exports: list[dict[str, Any]],
    period: Period,
    outcomes: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """One contact point with its support, suppressions, outcomes, exports and retention."""
    key = (c["contact_type"], c["contact_key"])
    # a key can be held by two points of the account (a number both the debtor's and a
    # relative's); each support row is joined to the point of its own role (migration 099), so
    # this point's rows are those of its key and role
    sup = [
        s
        for s in support
        if (s["contact_type"], s["contact_key"]) == key and s["role"] == c["role"]
    ]
    retain = [r for r in (_file_ref(s, period)["retain_until"] for s in sup) if r]
    carried = carrying_kinds(str(c.get("role")), c["contact_type"], c.get("status"))
    return {
        "n": n,
        "contact_type": c["contact_type"],
        "value": _display(c),
        **{k: _plain(c.get(k)) for k in _CONTACT_FIELDS if k in c},
        "party_name": mask_name(c.get("party_name")) or None,
        "reasons": mask_text(c["reasons"]) if c.get("reasons") else None,
        "factors": _json(c.get("factors")),
        "support": [_support(s, period) for s in sup],
        "suppressions": [
            _suppression(s)
            for s in suppressions
            # a contact decision belongs to its point's role (migration 098; NULL before it)
            if s["contact_type"] is None
            or ((s["contact_type"], s["contact_key"]) == key and s["role"] in (None, c["role"]))
        ],
        # collectors' outcomes on this contact: what confirmed, lowered or suppressed it
        "outcomes": [o for o in outcomes or [] if (o["contact_type"], o["contact_key"]) == key],
        "emitted": c.get("status") != "suppressed",
        "exports": [e for e in exports if e["kind"] in carried],
        "retention": {
            "rule": RETENTION_RULE,
            "period": str(period),
            "raw_records_retained_until": max(retain) if retain else None,
            "lineage_retained": "kept by the purge (summary rows are never purged)",
        },
    }


def _account(row: dict[str, Any] | None, period: Period) -> dict[str, Any] | None:
    """The debtor as the run's account export had it: masked, DOB as a year only."""
    if row is None:
        return None
    name = row.get("full_name") or " ".join(
        x for x in (row.get("first_name"), row.get("middle_name"), row.get("last_name"), row.get("suffix")) if x
    )  # fmt: skip
    dob = row.get("dob")
    return {
        "name": mask_name(name),
        "ssn": f"***-**-{row['ssn_last4']}" if row.get("ssn_last4") else None,
        "ssn_hash": (row["ssn_hash"][:_HASH_PREFIX] + "…") if row.get("ssn_hash") else None,
        "dob_year": dob.year if isinstance(dob, dt.date) else None,
        "address": mask_address(
            " ".join(x for x in (row.get("address_line1"), row.get("address_line2")) if x),
            row.get("city"),
            row.get("state"),
            row.get("zip"),
        ),
        "flags": [f for f in ACCOUNT_FLAGS if row.get(f)],
        "file": _file_ref(row, period),
        "line_no": row.get("line_no"),
    }


def _purged_account(row: dict[str, Any], period: Period) -> dict[str, Any]:
    """The debtor once the account file's raw rows were purged: nothing of the person is left,
    the file and the purge date are."""
    return {
        "name": None, "ssn": None, "ssn_hash": None, "dob_year": None, "address": None,
        "flags": [], "file": _file_ref(row, period), "line_no": None,
        "raw_rows_purged_at": _plain(row.get("purged_at")),
    }  # fmt: skip


def _pushes(con: duckdb.DuckDBPyConnection, run_id: str) -> list[dict[str, Any]]:
    """The run's pushes to the collections database (target masked as push recorded it)."""
    try:
        rows = sql.rows(con, "audit/explain_pushes.sql", run_id=run_id)
    except duckdb.CatalogException:  # a database from before migration 018
        return []
    return [{k: _plain(v) for k, v in r.items()} for r in rows]


def _file_ref(row: dict[str, Any], period: Period) -> dict[str, Any]:
    """A delivered file as an auditor identifies it: name, checksum, received, purpose."""
    last_used = row.get("last_used_at")
    return {
        "file_no": row.get("file_no"),
        "file_name": row.get("file_name"),
        "sha256": row.get("sha256"),
        "received_at": _plain(row.get("received_at")),
        "permissible_purpose": row.get("permissible_purpose"),
        "reliability": row.get("reliability"),
        "retain_until": _plain(period.after(last_used).date()) if last_used else None,
        "purged_at": _plain(row.get("purged_at")),
    }


def _support(s: dict[str, Any], period: Period) -> dict[str, Any]:
    return {
        "rec_id": s["rec_id"],
        "record_id": s["record_id"],
        "source": s["source"],
        "evidence": s["evidence"] or ("account_file" if s["rec_id"] is None else None),
        "match_probability": s["match_probability"],
        "match_role": s["match_role"],
        "guard": s["guard"],
        "pair_probability": s.get("pair_probability"),
        "move": _move(s),
        "file": _file_ref(s, period),
        "line_no": s["line_no"],  # the record's line in that file
        "record_found": bool(s["record_found"]),
    }


_MOVE_TYPES = {"F": "family", "I": "individual", "B": "business"}


def _move(s: dict[str, Any]) -> dict[str, Any] | None:
    """The USPS move behind an NCOA forward: type, effective date, filer and old address
    (masked as every address and name explain shows), None for any other support."""
    if not (s.get("evidence") or "").endswith(("ncoa_forward", "ncoa_family")):
        return None
    mtype = (s.get("move_type") or "").strip().upper()
    name = s.get("rec_full_name") or " ".join(
        x for x in (s.get("rec_first_name"), s.get("rec_last_name")) if x
    )
    line = " ".join(x for x in (s.get("rec_address_line1"), s.get("rec_address_line2")) if x)
    return {
        "move_type": _MOVE_TYPES.get(mtype, mtype or None),
        "effective": _plain(s.get("move_effective_date")),
        "filed_by": mask_name(name) or None,
        "old_address": mask_address(line, s.get("rec_city"), s.get("rec_state"), s.get("rec_zip")),
    }


def _support_line(s: dict[str, Any]) -> str:
    """One 'supported by' row. A family move filed by another household member supports the
    debtor's forward at the family rule's probability (0.85 x the debtor's evidence at its old
    address), not at the record's own match, which is shown beside it; a move names its type,
    filer, old address and effective date (why it applies is in the moved flag)."""
    ref = f"{s['source']} record {s['record_id'] or s['rec_id']}"
    m = s.get("move")
    if (s.get("evidence") or "").endswith("ncoa_family"):
        p = f"family-move rule p={_fmt(s['match_probability'], 4)}"
        if s.get("match_role"):
            p += f"; the record's own match: {s['match_role']} p={_fmt(s.get('pair_probability'), 4)}"
        else:
            p += "; the record is not matched to the account"
    else:
        p = f"match p={_fmt(s['match_probability'], 4)}"
    text = f"{ref} ({p}, {s['evidence'] or '—'})"
    if m:
        text += (
            f": USPS {m['move_type'] or '?'} move"
            + (f" filed by {m['filed_by']}" if m.get("filed_by") else "")
            + f" from {m['old_address']}"
            + (f", effective {m['effective']}" if m.get("effective") else "")
            + ("; why it applies to the debtor: flag moved" if "family" in p else "")
        )
    return f"{text} — {_file_line(s['file'], s.get('line_no'))}"


def _match(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    account_id: str,
    p: dict[str, Any],
    prior: float | None,
    labels: dict[tuple[str, int], str],
    period: Period,
    use_matcher: bool = True,
) -> dict[str, Any]:
    explained = (
        _external_waterfall(con, run_id, account_id, int(p["rec_id"])) if use_matcher else None
    )
    if explained is not None:
        explained["waterfall_from"] = "matchers.explain"
    else:
        explained = {
            "waterfall": waterfall_from_pair(p, prior, labels),
            "waterfall_from": "match_pairs",
            "guard_description": None,
            "conflict": None,
            "notes": [],
        }
    return {
        "rec_id": p["rec_id"],
        "record_id": p["record_id"],
        "source": p["source"],
        "kind": p["kind"],
        "role": p["role"],
        "guard": p["guard"],
        "match_probability": p["match_probability"],
        "match_weight": p["match_weight"],
        "file": _file_ref(p, period),
        "line_no": p.get("line_no"),
        **explained,
    }


def _reviews(
    con: duckdb.DuckDBPyConnection, run_id: str, account_id: str
) -> dict[int, dict[str, Any]]:
    """Review decisions (skiptrace review) that set a pair's role in this run, by rec_id.

    A database not yet migrated to 028 (opened read-only) has none.
    """
    try:
        rows = sql.rows(con, "audit/explain_reviews.sql", run_id=run_id, account_id=account_id)
    except duckdb.CatalogException:
        return {}
    return {r.pop("rec_id"): {k: _plain(v) for k, v in r.items()} for r in rows}


def _review_note(review: dict[str, Any], account_id: str) -> str:
    """The decision in words; 'approved for another account' when it demoted this pair."""
    what = {"approve": "approved", "reject": "rejected"}.get(review["action"], review["action"])
    if review.get("account_id") != account_id:
        what = f"approved for account {review.get('account_id')} (so not this one)"
    return (
        f"review decision {review['decision_id']}: {what} by {review['decided_by']} at "
        f"{review['decided_at']}: {review.get('reason') or ''}"
    )


def _suppression(s: dict[str, Any]) -> dict[str, Any]:
    return {
        "scope": "account" if s["contact_type"] is None else "contact",
        "rule": s["rule"],
        "action": s["action"],
        "regulation": s["regulation"],
        "reason": mask_text(s["reason"]) if s.get("reason") else None,
    }


def _export(e: dict[str, Any]) -> dict[str, Any]:
    path = str(e.get("path") or "")
    return {
        "kind": e["kind"],
        "file": path.rsplit("/", 1)[-1],
        "path": path,
        "sha256": e.get("sha256"),
        "rows": e.get("rows"),
        "written_at": _plain(e.get("written_at")),
    }


# --------------------------------------------------------------------------- rendering


def _outcome_line(o: dict[str, Any]) -> str:
    """'wrong number on 2026-11-01 16:05 by agent ag1 (postgres)'; a report stored without a
    readable date says so (sources/outcomes.py)."""
    agent = f" by agent {o['agent']}" if o.get("agent") else ""
    when = f"on {o['outcome_date']}" if o.get("outcome_date") else "without a readable date"
    if o.get("outcome_date") and o.get("outcome_time"):
        when += f" {str(o['outcome_time'])[:5]}"
    return f"{str(o['outcome']).replace('_', ' ')} {when}{agent} ({o['origin']})"


def to_json(doc: dict[str, Any]) -> str:
    """The explanation as indented JSON (machines, tickets, attachments)."""
    return json.dumps(doc, indent=2, default=str, ensure_ascii=False)


def render_text(doc: dict[str, Any], console: Any = None) -> None:
    """Print the explanation for a person with rich: one panel per contact, then the matched
    records with their waterfalls."""
    from rich.console import Console, Group
    from rich.panel import Panel
    from rich.table import Table
    from rich.text import Text

    console = console or Console()
    run, acct = doc["run"], doc["account"]
    head = Text()
    head.append(f"Account {doc['account_id']}", style="bold")
    head.append(
        f" — run {run['run_id']} ({run['status']}, as of {run['as_of']}, ended {run['ended_at']})\n"
    )
    head.append(
        f"matcher {run.get('matcher_version') or '?'} · threshold {_fmt(run.get('threshold'))} · "
        f"prior {_fmt(run.get('prior'), 4)} · parameters {run.get('trained_on') or '?'} · "
        f"code {run.get('code_version')}"
    )
    if not run.get("inputs_recorded"):
        head.append("\n(run inputs not recorded: file list approximated)", style="yellow")
    if run.get("selected"):
        head.append(f"\n(run chosen as {run['selected']})")
    if acct and acct.get("raw_rows_purged_at"):
        head.append(
            f"\nDebtor: the raw rows of account file {acct['file'].get('file_name')} were purged "
            f"on {str(acct['raw_rows_purged_at'])[:10]} under retention (name, SSN, date of "
            "birth and address no longer kept); the lineage below is kept",
            style="yellow",
        )
        head.append(f"\nAccount file: {_file_line(acct['file'])}")
    elif acct:
        head.append(
            f"\nDebtor {acct['name']}  SSN {acct['ssn'] or '—'} (hash {acct['ssn_hash'] or '—'})  "
            f"born {acct['dob_year'] or '—'}  on file: {acct['address']}"
        )
        if acct["flags"]:
            head.append(f"\nAccount export flags: {', '.join(acct['flags'])}", style="red")
        head.append(f"\nAccount file: {_file_line(acct['file'])}, line {acct['line_no']}")
    else:
        head.append("\nDebtor: no account-export row of the run's input files", style="yellow")
    for f in doc["account_flags"]:
        head.append(
            f"\nFlag {f['flag']} (confidence {_fmt(f['confidence'])}, "
            f"records {f.get('records') or f['rec_id']}): {f['evidence']}",
            style="magenta",
        )
    for s in doc["account_suppressions"]:
        head.append(f"\nAccount-wide: {_suppression_line(s)}", style="red")
    for o in doc.get("account_outcomes", []):
        head.append(f"\nCollector reported: {_outcome_line(o)}", style="red")
    if run["exports"]:
        written = str(run["exports"][0].get("written_at") or "")[:16].replace("T", " ")
        head.append(f"\nRun exports (written {written}): ")
        head.append(
            " · ".join(f"{_export_line(e)} ({_fmt(e.get('rows'))} rows)" for e in run["exports"]),
            style="dim",
        )
    head.append(f"\n{_push_line(run.get('pushes') or [])}")
    console.print(Panel(head, title="skiptrace explain", border_style="cyan"))

    for c in doc["contacts"]:
        status_style = "red" if c["status"] == "suppressed" else "green"
        title = Text.assemble(
            (f"#{c['n']} {c['contact_type']} ", "bold"), (c["value"], "bold"),
            f"  rank {c.get('rank')} · {c.get('role')} · ", (str(c.get("status")), status_style),
            f" · confidence {_fmt(c.get('confidence'))}",
        )  # fmt: skip
        body = Table.grid(padding=(0, 1))
        body.add_column(style="dim", no_wrap=True)
        body.add_column()
        if c.get("reasons"):
            _add_row(body, "reasons", c["reasons"])
        shown = {k: v for k, v in (c.get("factors") or {}).items() if _notable(v)}
        if shown:
            _add_row(body, "factors", " · ".join(f"{k} {_fmt(v)}" for k, v in shown.items()))
        extra = [
            f"{k} {c[k]}"
            for k in ("phone_type", "dial_mode", "time_zone", "relationship")
            if c.get(k)
        ]
        if c.get("on_hold"):
            extra.insert(0, "ON HOLD")
        if c.get("tz_conflict"):
            extra.append(f"time zone conflicts with area code ({c.get('tz_area_code')})")
        if c.get("party_name"):
            extra.append(f"party {c['party_name']}")
        if extra:
            _add_row(body, "details", " · ".join(extra))
        for s in c["support"]:
            _add_row(body, "supported by", _support_line(s))
        for o in c.get("outcomes", []):
            body.add_row("outcome", _outcome_line(o))
        for s in c["suppressions"]:
            _add_row(body, "suppression", _suppression_line(s))
        if not c["suppressions"]:
            _add_row(body, "suppression", "none")
        if not c["emitted"]:
            _add_row(body, "exported in", "nothing: suppressed, withheld from every contact file")
        elif c["exports"]:
            _add_row(
                body,
                "exported in",
                " · ".join(_export_line(e) for e in c["exports"]) + f" (run {run['run_id']})",
            )
        else:
            _add_row(body, "exported in", "no contact export recorded for this run")
        ret = c["retention"]
        _add_row(
            body,
            "retention",
            f"raw records kept until {ret['raw_records_retained_until'] or '—'} "
            f"({ret['rule']}, {ret['period']} after last use); lineage summary kept",
        )
        console.print(Panel(body, title=title, title_align="left", border_style=status_style))

    if doc["matches"]:
        parts: list[Any] = []
        for m in doc["matches"]:
            style = {"debtor": "green", "associate": "yellow"}.get(m["role"], "red")
            parts.append(
                Text.assemble(
                    (f"{m['source']} record {m['record_id'] or m['rec_id']}", "bold"),
                    "  role ",
                    (str(m["role"]), style),
                    f"  p={_fmt(m['match_probability'], 4)}",
                    (f"  guard {m['guard']}" if m["guard"] else "", "bold red"),
                    f"  — {_file_line(m['file'], m.get('line_no'))}",
                )
            )
            t = Table(show_edge=False, pad_edge=False, box=None, header_style="dim")
            for col, just in (("field", "left"), ("level", "right"), ("label", "left"),
                              ("weight", "right"), ("running p", "right"), ("", "left")):  # fmt: skip
                t.add_column(col, justify=just)  # type: ignore[arg-type]
            for s in m["waterfall"]:
                w = float(s.get("weight") or 0.0)
                bar = ("+" if w >= 0 else "−") * min(20, round(abs(w)))
                t.add_row(
                    Text(str(s["field"])), "" if s.get("level") is None else str(s["level"]),
                    Text(str(s.get("label") or "")), f"{w:+.2f}", f"{float(s['probability']):.4f}",
                    Text(bar, style="green" if w >= 0 else "red"),
                )  # fmt: skip
            extra = [m.get("guard_description"), *(m.get("notes") or [])]
            if m.get("conflict") == "same_person":  # matchers/link.py, _assign_roles
                extra.append(
                    "also the debtor record of this person's other account(s): one SSN and name"
                )
            elif m.get("conflict"):
                extra.append(f"conflict with other accounts for this record: {m['conflict']}")
            parts.extend([t, *(Text(f"  {x}", style="dim") for x in extra if x), Text("")])
        console.print(
            Panel(Group(*parts), title="Records scored against this account", border_style="cyan")
        )


def _add_row(table: Any, label: str, value: Any) -> None:
    """A label and a value built from data: the value goes in as plain Text, because record ids,
    names and reasons come from delivered files and a `[/]` or `[bold]` in them would otherwise
    be read as rich markup (a MarkupError, or styling an attacker chose)."""
    from rich.text import Text

    table.add_row(label, Text(str(value)))


def _push_line(pushes: list[dict[str, Any]]) -> str:
    """Whether and when the run reached the collections database, in one line."""
    done = [p for p in pushes if p.get("status") == "completed"]
    failed = len(pushes) - len(done)
    tail = f"; {failed} failed attempt(s)" if failed else ""
    if not done:
        return f"Pushed to the collections database: no (no completed push of this run{tail})"
    when = "; ".join(
        f"{str(p['ended_at'])[:16].replace('T', ' ')} UTC to {p['target']}" for p in done
    )
    return f"Pushed to the collections database: {when}{tail}"


def _file_line(f: dict[str, Any], line_no: Any = None) -> str:
    """A file as an auditor identifies it; with `line_no`, `name:line` of the record in it."""
    if not f or not f.get("file_name"):
        return "file unknown"
    received = str(f.get("received_at") or "")[:10] or "?"
    where = f"{f['file_name']}:{line_no}" if line_no is not None else f["file_name"]
    line = (
        f"{where} sha256 {(f.get('sha256') or '')[:_HASH_PREFIX]} received {received}, "
        f"purpose: {f.get('permissible_purpose') or '—'}"
    )
    if f.get("purged_at"):
        line += f" (raw rows purged {str(f['purged_at'])[:10]})"
    return line


def _suppression_line(s: dict[str, Any]) -> str:
    reason = f" — {s['reason']}" if s.get("reason") else ""
    return f"{s['rule']} → {s['action']} ({s.get('regulation') or 'no regulation cited'}){reason}"


def _export_line(e: dict[str, Any]) -> str:
    return f"{e['file']} {(e.get('sha256') or '')[:_HASH_PREFIX]}"


def _notable(v: Any) -> bool:
    """Factors worth a reader's attention in text: set, non-zero scalars (JSON keeps all)."""
    return v is not None and not isinstance(v, dict | list) and v not in (0, 0.0, False, "")


# --------------------------------------------------------------------------- helpers


def _json(value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if isinstance(value, str):
        value = json.loads(value)
    return dict(value) if isinstance(value, dict) else {}


def _plain(value: Any) -> Any:
    """Dates, times and timestamps as ISO strings, so the explanation is JSON as it stands."""
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return value


def _fmt(value: Any, digits: int = 3) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)
