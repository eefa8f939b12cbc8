"""Compliance suppression: rules as data, every decision recorded with its rule and citation.

Collections law changes more often than code should, and each rule has to be shown to an
auditor next to the regulation it implements. So rules live in YAML
(`matchers/rules/default_rules.yml`, explained in `docs/compliance.md`): an id, a citation, a
scope (account or contact), a SQL condition over a documented *subject* table, an action and the
words a collector reads. This module evaluates them in file order over the run's contact points,
records every hit in `suppressions` and applies the effect to `contact_points`:

    suppress / route_to_estate / route_to_attorney -> status 'suppressed' (never emitted as usable)
    hold              -> on_hold (emitted with the on-hold flag: bankruptcy stay, dispute)
    manual_dial_only  -> dial_mode 'manual' (TCPA); other debtor phones get 'autodialer'
    restrict_calling_window / do_not_mail / third_party_only / note -> reasons (and exports)

Re-applying is idempotent: status and reasons restart from what resolution wrote
(`resolved_status`, `resolved_reasons`) and the run's earlier decisions are replaced.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path
from typing import Literal

import duckdb
import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from skiptrace import sql
from skiptrace.matchers.rules import DEFAULT_RULES

Action = Literal[
    "suppress",
    "route_to_estate",
    "route_to_attorney",
    "hold",
    "manual_dial_only",
    "restrict_calling_window",
    "do_not_mail",
    "third_party_only",
    "note",
]
#: Actions that take a contact out of use entirely.
SUPPRESSING: frozenset[str] = frozenset({"suppress", "route_to_estate", "route_to_attorney"})
#: How each action is announced at the front of its reason (collectors scan for these words).
PREFIX: dict[str, str] = {
    "suppress": "SUPPRESSED",
    "route_to_estate": "ESTATE",
    "route_to_attorney": "ATTORNEY ONLY",
    "hold": "HOLD",
    "manual_dial_only": "MANUAL DIAL ONLY",
    "restrict_calling_window": "CALLING WINDOW",
    "do_not_mail": "DO NOT MAIL",
    "third_party_only": "THIRD PARTY",
    "note": "NOTE",
}


class Rule(BaseModel):
    """One compliance rule (see the header of default_rules.yml for the fields)."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9_]+$")
    regulation: str = Field(min_length=3)
    scope: Literal["account", "contact"]
    when: str = Field(min_length=1)
    action: Action
    roles: list[Literal["debtor", "third_party"]] = Field(default_factory=lambda: ["debtor"])
    contact_types: list[Literal["address", "phone", "email"]] = Field(
        default_factory=lambda: ["address", "phone", "email"]
    )
    reason: str = Field(min_length=3)
    detail: str | None = None

    @model_validator(mode="after")
    def _single_expression(self) -> Rule:
        for text in (self.when, self.detail or ""):
            if ";" in text:
                raise ValueError(f"rule {self.id}: `when`/`detail` must be one SQL expression")
        return self


class Bands(BaseModel):
    """Confidence bands for the import layouts (status good / unknown / bad, on-hold)."""

    model_config = ConfigDict(extra="forbid")

    good: float = Field(0.70, ge=0, le=1)
    verify: float = Field(0.30, ge=0, le=1)
    bad: float = Field(0.10, ge=0, le=1)

    @model_validator(mode="after")
    def _ordered(self) -> Bands:
        if not self.bad <= self.verify <= self.good:
            raise ValueError("bands must satisfy bad <= verify <= good")
        return self


class RuleSet(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int = 1
    bands: Bands = Field(default_factory=Bands)
    rules: list[Rule]

    @model_validator(mode="after")
    def _unique_ids(self) -> RuleSet:
        ids = [r.id for r in self.rules]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"duplicate rule ids: {dupes}")
        return self


@cache
def _load(path: str, mtime: float) -> RuleSet:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    return RuleSet(**data)


def load_rules(path: str | Path | None = None) -> RuleSet:
    """Parse and validate a rules file (default: the shipped rules)."""
    p = Path(path) if path else DEFAULT_RULES
    return _load(str(p.resolve()), p.stat().st_mtime)


# Subject tables. Columns documented in docs/compliance.md ("What a rule can test").
_ACCOUNT_SUBJECT = """
CREATE OR REPLACE TEMP TABLE sp_account AS
WITH dead AS (
    SELECT f.account_id, max(f.confidence) AS deceased_conf,
           arg_max(r.date_of_death, f.confidence) AS date_of_death
    FROM account_flags f LEFT JOIN source_records r ON r.rec_id = f.rec_id
    WHERE f.run_id = $run_id AND f.flag = 'deceased'
    GROUP BY f.account_id
),
bk AS (
    -- a case holds from its filing date until it is dismissed (discharge keeps it barred)
    SELECT f.account_id, f.confidence, r.bk_chapter, r.bk_case_number, r.bk_filing_date,
           r.bk_discharge_date, r.bk_dismissal_date
    FROM account_flags f LEFT JOIN source_records r ON r.rec_id = f.rec_id
    WHERE f.run_id = $run_id AND f.flag = 'bankruptcy'
      AND (r.bk_filing_date IS NULL OR r.bk_filing_date <= $as_of)
      AND (r.bk_dismissal_date IS NULL OR r.bk_dismissal_date > $as_of)
),
bk1 AS (
    SELECT account_id, max(confidence) AS bk_conf,
           arg_max(bk_chapter, confidence) AS bk_chapter,
           arg_max(bk_case_number, confidence) AS bk_case_number,
           arg_max(bk_filing_date, confidence) AS bk_filing_date,
           arg_max(bk_discharge_date, confidence) AS bk_discharge_date,
           arg_max(bk_dismissal_date, confidence) AS bk_dismissal_date
    FROM bk GROUP BY account_id
)
SELECT a.account_id, CAST($as_of AS DATE) AS as_of, a.balance, a.state AS file_state,
       coalesce(a.cease_desist, false) AS cease_desist,
       coalesce(a.bankruptcy, false) AS bankruptcy,
       coalesce(a.deceased, false) AS deceased,
       coalesce(a.attorney_represented, false) AS attorney_represented,
       a.attorney_name, a.attorney_phone,
       coalesce(a.dispute, false) AS dispute,
       coalesce(a.do_not_call, false) AS do_not_call,
       coalesce(a.paid_in_full, false) AS paid_in_full,
       coalesce(d.deceased_conf, 0.0) AS deceased_conf, d.date_of_death,
       b.account_id IS NOT NULL AS bk_active, coalesce(b.bk_conf, 0.0) AS bk_conf,
       b.bk_chapter, b.bk_case_number, b.bk_filing_date, b.bk_discharge_date, b.bk_dismissal_date
FROM current_accounts a
LEFT JOIN dead d ON d.account_id = a.account_id
LEFT JOIN bk1 b ON b.account_id = a.account_id
"""

_CONTACT_SUBJECT = """
CREATE OR REPLACE TEMP TABLE sp_contact AS
WITH consumer AS (
    -- where the consumer is: best current debtor address, else the state on file
    SELECT account_id, first(state ORDER BY rank) AS state
    FROM contact_points
    WHERE run_id = $run_id AND role = 'debtor' AND contact_type = 'address'
      AND coalesce(resolved_status, status) <> 'on_file' AND state IS NOT NULL
    GROUP BY account_id
)
SELECT s.*,
       cp.contact_type, cp.contact_key, cp.role, cp.rank, cp.confidence,
       coalesce(cp.resolved_status, cp.status) AS status,
       cp.phone_type AS line_type, cp.consent_autodialer, cp.state, cp.zip,
       cp.time_zone, cp.tz_area_code, coalesce(cp.tz_conflict, false) AS tz_conflict,
       coalesce(CAST(json_extract(cp.factors, '$.on_file') AS BOOLEAN), false) AS on_file,
       coalesce(CAST(json_extract(cp.factors, '$.moved_from') AS BOOLEAN), false) AS moved_from,
       coalesce(CAST(json_extract(cp.factors, '$.ncoa_no_forward') AS BOOLEAN), false) AS ncoa_no_forward,
       coalesce(c.state, s.file_state) AS consumer_state
FROM contact_points cp
JOIN sp_account s ON s.account_id = cp.account_id
LEFT JOIN consumer c ON c.account_id = cp.account_id
WHERE cp.run_id = $run_id
"""


def apply_suppressions(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    as_of: dt.date,
    rules: Path | str | RuleSet | None = None,
) -> int:
    """Evaluate the rules for `run_id`; returns the number of decisions written to `suppressions`.

    Account-scope decisions are one row per account (contact_type NULL); contact-scope
    decisions one row per contact point. Every debtor phone ends with a dial_mode.
    """
    ruleset = rules if isinstance(rules, RuleSet) else load_rules(rules)
    params = {"run_id": run_id, "as_of": as_of}
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("DELETE FROM suppressions WHERE run_id = $run_id", {"run_id": run_id})
        con.execute(
            """
            UPDATE contact_points
            SET status = coalesce(resolved_status, status),
                reasons = coalesce(resolved_reasons, reasons),
                on_hold = false,
                dial_mode = CASE WHEN contact_type = 'phone' AND role = 'debtor' THEN 'autodialer' END
            WHERE run_id = $run_id
            """,
            {"run_id": run_id},
        )
        con.execute(_ACCOUNT_SUBJECT, params)
        sql.run(con, "suppress/outcomes_account.sql", as_of=as_of)  # collectors' reports
        con.execute(_CONTACT_SUBJECT, {"run_id": run_id})
        sql.run(con, "suppress/outcomes_contact.sql", as_of=as_of)
        con.execute(
            "CREATE OR REPLACE TEMP TABLE sp_hits (account_id VARCHAR, contact_type VARCHAR,"
            " contact_key VARCHAR, role VARCHAR, ord INTEGER, action VARCHAR, reason VARCHAR)"
        )
        written = 0
        for ord_, rule in enumerate(ruleset.rules):
            written += _apply_rule(con, run_id, ord_, rule)
        _apply_effects(con, run_id)
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    for t in ("sp_account", "sp_contact", "sp_hits", "sp_effects"):
        con.execute(f"DROP TABLE IF EXISTS {t}")
    return written


def _apply_rule(con: duckdb.DuckDBPyConnection, run_id: str, ord_: int, rule: Rule) -> int:
    reason = f"coalesce(? || ': ' || ({rule.detail}), ?)" if rule.detail else "?"
    reason_args = [rule.reason, rule.reason] if rule.detail else [rule.reason]
    roles = list(rule.roles)
    types = list(rule.contact_types)
    if rule.scope == "account":
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE sp_fired AS SELECT account_id, {reason} AS reason"
            f" FROM sp_account WHERE ({rule.when})",
            reason_args,
        )
        con.execute(
            "INSERT INTO suppressions (run_id, account_id, contact_type, contact_key, rule, action,"
            " reason, regulation) SELECT ?, account_id, NULL, NULL, ?, ?, reason, ? FROM sp_fired",
            [run_id, rule.id, rule.action, rule.regulation],
        )
        con.execute(
            "INSERT INTO sp_hits SELECT c.account_id, c.contact_type, c.contact_key, c.role, ?, ?,"
            " f.reason FROM sp_fired f JOIN sp_contact c ON c.account_id = f.account_id"
            " WHERE list_contains(?, c.role) AND list_contains(?, c.contact_type)",
            [ord_, rule.action, roles, types],
        )
    else:
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE sp_fired AS SELECT account_id, contact_type, contact_key,"
            f" role, {reason} AS reason FROM sp_contact WHERE ({rule.when})"
            f" AND list_contains(?, role) AND list_contains(?, contact_type)",
            [*reason_args, roles, types],
        )
        con.execute(
            "INSERT INTO suppressions (run_id, account_id, contact_type, contact_key, rule, action,"
            " reason, regulation) SELECT ?, account_id, contact_type, contact_key, ?, ?, reason, ?"
            " FROM sp_fired",
            [run_id, rule.id, rule.action, rule.regulation],
        )
        con.execute(
            "INSERT INTO sp_hits SELECT account_id, contact_type, contact_key, role, ?, ?, reason"
            " FROM sp_fired",
            [ord_, rule.action],
        )
    row = con.execute("SELECT count(*) FROM sp_fired").fetchone()
    con.execute("DROP TABLE IF EXISTS sp_fired")
    return int(row[0]) if row else 0


def _apply_effects(con: duckdb.DuckDBPyConnection, run_id: str) -> None:
    """Fold each contact point's hits into its status, hold, dial mode and reasons.

    Two statements, not one `UPDATE ... FROM (grouped hits)`: pin each decision to the `rowid` of
    the row it changes, sorted (`sp_effects`), then update by rowid. DuckDB applies an UPDATE's
    rows in the order its join delivers them, and scattered rows cost it far more than rows in
    table order. In the single statement that order was the planner's choice. Built on
    `contact_points` and probed with the grouped hits, the rows came in hash order and the
    statement took 22-24 s at 100,000 accounts (258,796 rows), against under 1 s in table order.
    The choice hung on the estimate for `run_id = ?`: DuckDB's string statistics keep only a
    prefix, so with one run in the table a `new_run_id` id was estimated at 20% of the rows and
    got the slow plan, while bench/scale.py's `scale-full` matched the statistics exactly and got
    the fast one: the flow-vs-bench gap in docs/scaling.md. Sorted input is fast either way.
    The rowids stay valid: both statements run in apply_suppressions' transaction.
    """
    prefix = " ".join(f"WHEN '{a}' THEN '{p}: '" for a, p in PREFIX.items())
    suppressing = ", ".join(f"'{a}'" for a in sorted(SUPPRESSING))
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE sp_effects AS
        SELECT cp.rowid AS rid, h.suppress, h.hold, h.manual, h.reasons
        FROM contact_points cp
        JOIN (
            SELECT account_id, contact_type, contact_key, role,
                   bool_or(action IN ({suppressing})) AS suppress,
                   bool_or(action = 'hold') AS hold,
                   bool_or(action = 'manual_dial_only') AS manual,
                   string_agg((CASE action {prefix} ELSE '' END) || reason, '; ' ORDER BY ord) AS reasons
            FROM sp_hits
            GROUP BY account_id, contact_type, contact_key, role
        ) h
          ON cp.account_id = h.account_id AND cp.contact_type = h.contact_type
         AND cp.contact_key = h.contact_key AND cp.role = h.role
        WHERE cp.run_id = $run_id
        ORDER BY cp.rowid
        """,
        {"run_id": run_id},
    )
    con.execute(
        """
        UPDATE contact_points cp
        SET status = CASE WHEN e.suppress THEN 'suppressed' ELSE cp.status END,
            on_hold = e.hold,
            dial_mode = CASE WHEN e.manual AND cp.dial_mode IS NOT NULL THEN 'manual' ELSE cp.dial_mode END,
            reasons = concat_ws('; ', e.reasons, cp.reasons)
        FROM sp_effects e
        WHERE cp.rowid = e.rid
        """
    )
