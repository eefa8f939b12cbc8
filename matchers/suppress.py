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
    legal_hold        -> reasons; contacts stay usable, the account is held from legal action
                         (worklist.csv, account_flags.csv `legal_hold`: SCRA)

Re-applying is idempotent: status and reasons restart from what resolution wrote
(`resolved_status`, `resolved_reasons`) and the run's earlier decisions are replaced.

`outcome_fact_effects` reads a rule set without applying it: which collector-reported account
facts (cease-and-desist, attorney, dispute, confirmed death) take a debtor's contact out of use
and which put it on hold. The push's check of the outcomes the platform recorded after the run
(sql/push/pg/guard_outcomes.sql) acts on them as the rules the run applied do.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Literal

import duckdb
import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from skiptrace import sql
from skiptrace.errors import ConfigError
from skiptrace.matchers.rules import DEFAULT_RULES
from skiptrace.ssn_shapes import config_refusal

Action = Literal[
    "suppress",
    "route_to_estate",
    "route_to_attorney",
    "hold",
    "manual_dial_only",
    "restrict_calling_window",
    "do_not_mail",
    "third_party_only",
    "legal_hold",
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
    "legal_hold": "LEGAL HOLD",
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
    roles: list[Literal["debtor", "third_party"]] = Field(
        default_factory=lambda: ["debtor"]  # type: ignore[arg-type]
    )
    contact_types: list[Literal["address", "phone", "email"]] = Field(
        default_factory=lambda: ["address", "phone", "email"]  # type: ignore[arg-type]
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
    text = Path(path).read_text(encoding="utf-8")
    if refusal := config_refusal(text, path):  # recorded with the run, shown in reports
        raise ConfigError(refusal)
    data = yaml.safe_load(text) or {}
    return RuleSet(**data)


def load_rules(path: str | Path | None = None) -> RuleSet:
    """Parse and validate a rules file (default: the shipped rules)."""
    p = Path(path) if path else DEFAULT_RULES
    return _load(str(p.resolve()), p.stat().st_mtime)


@lru_cache(maxsize=8)
def parse_rules(text: str) -> RuleSet:
    """Parse and validate rules given as text: what a run read and recorded (run_config_files),
    so the rules applied are exactly the text recorded, and a replay can apply them again.

    Cached by the text (as `load_rules` is by path and mtime; the RuleSet is shared and never
    changed): a run parses its recorded rules in suppress, and emit parses them again for its
    run and the previous one, 30 ms each for the shipped 14 kB file (PyYAML's pure-Python
    loader). A text that does not parse or validate raises each time (nothing is cached)."""
    return RuleSet(**(yaml.safe_load(text) or {}))


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
    with sql.transaction(con):
        sql.run(con, "suppress/reset.sql", run_id=run_id)
        # Subject tables: their columns are documented in docs/compliance.md
        sql.run(con, "suppress/account_subject.sql", run_id=run_id, as_of=as_of)
        # the outcome vocabulary (also read by the rules' conditions: phone_bad_verdicts() ...),
        # latest_contact_outcomes (as resolve reads them) and outcomes_known
        sql.run(con, "outcomes/vocabulary.sql")
        sql.run(con, "outcomes/latest.sql")
        sql.run(con, "suppress/outcomes_account.sql", as_of=as_of)  # collectors' reports
        sql.run(con, "suppress/contact_subject.sql", run_id=run_id, as_of=as_of)  # + outcomes
        written = 0
        for ord_, rule in enumerate(ruleset.rules):
            written += _apply_rule(con, run_id, ord_, rule)
        _apply_effects(con)
    for t in ("sp_account", "sp_contact", "sp_hits", "sp_effects"):
        con.execute(f"DROP TABLE IF EXISTS {t}")
    return written


def _apply_rule(con: duckdb.DuckDBPyConnection, run_id: str, ord_: int, rule: Rule) -> int:
    """Record one rule's decisions and hits; returns how many decisions it made.

    The rule's `when` and `detail` are SQL expressions from the validated rules file, so they
    are template fragments (structure); everything else is bound as `$parameters`.
    """
    template = f"suppress/fire_{rule.scope}_rule.sql"
    sql.run(
        con,
        sql.render(template, when=rule.when, detail=rule.detail or "NULL"),
        run_id=run_id,
        rule_id=rule.id,
        action=rule.action,
        regulation=rule.regulation,
        reason=rule.reason,
        ord=ord_,
        roles=list(rule.roles),
        contact_types=list(rule.contact_types),
    )
    fired = sql.scalar(con, "SELECT count(*) FROM sp_fired")
    con.execute("DROP TABLE IF EXISTS sp_fired")
    return int(fired or 0)


def _apply_effects(con: duckdb.DuckDBPyConnection) -> None:
    """Fold each contact point's hits into its status, hold, dial mode and reasons.

    Two statements, not one `UPDATE ... FROM (grouped hits)`: group the hits by the `rowid` of
    the row they change (each hit carries it from `sp_contact`), sorted (`sp_effects`), then
    update by rowid. DuckDB applies an UPDATE's
    rows in the order its join delivers them, and scattered rows cost it far more than rows in
    table order. In the single statement that order was the planner's choice. Built on
    `contact_points` and probed with the grouped hits, the rows came in hash order and the
    statement took 22-24 s at 100,000 accounts (258,796 rows), against under 1 s in table order.
    The choice hung on the estimate for `run_id = ?`: DuckDB's string statistics keep only a
    prefix, so with one run in the table a `new_run_id` id was estimated at 20% of the rows and
    got the slow plan, while bench/scale.py's `scale-full` matched the statistics exactly and got
    the fast one: the flow-vs-bench gap in docs/scaling.md. Sorted input is fast either way.
    The rowids stay valid: the subject tables, the hits and both statements run in
    apply_suppressions' transaction.
    """
    prefix = " ".join(f"WHEN '{a}' THEN '{p}: '" for a, p in PREFIX.items())
    suppressing = ", ".join(f"'{a}'" for a in sorted(SUPPRESSING))
    effects = sql.render("suppress/apply_effects.sql", prefix=prefix, suppressing=suppressing)
    sql.run(con, effects)


@dataclass(frozen=True)
class FactEffects:
    """What a rule set does to a debtor's contact of an account with an account fact reported by
    collectors on record: (fact, contact type) pairs, a fact as the outcome vocabulary names it
    (account_fact_outcomes(), sql/outcomes/vocabulary.sql)."""

    #: the contact is taken out of use (suppressed, or an address marked bad)
    ending: frozenset[tuple[str, str]]
    #: the contact is put on hold; the words of the rules that hold it (in file order, `; `)
    holding: Mapping[tuple[str, str], str]

    def facts(self, kind: Literal["ending", "holding"]) -> list[str]:
        """The facts of `kind`, one per pair, in the order of contact_types and hold_reasons."""
        return [fact for fact, _ in sorted(getattr(self, kind))]

    def contact_types(self, kind: Literal["ending", "holding"]) -> list[str]:
        return [ctype for _, ctype in sorted(getattr(self, kind))]

    def hold_reasons(self) -> list[str]:
        return [self.holding[pair] for pair in sorted(self.holding)]


#: The day the probe of outcome_fact_columns dates its reports (any date does).
_PROBE_DAY = dt.date(2000, 1, 1)


@cache
def outcome_fact_columns() -> dict[str, frozenset[str]]:
    """Each account fact of the outcome vocabulary -> the columns of the rules' account subject
    that carry it: its boolean and the date of its latest report (`outcome_attorney`,
    `outcome_attorney_date` for `attorney` ...).

    sql/suppress/outcomes_account.sql names those columns, and is the only place that does: it
    runs here on a database of its own, over one account with each fact reported and one
    without any report, and a fact's columns are those whose value differs from the account
    without one. So a fact or column added there needs no second list here. Evaluated once per
    process: the columns do not depend on any data.
    """
    con = duckdb.connect()
    try:
        sql.run(con, "outcomes/vocabulary.sql")
        sql.run(con, "suppress/fact_probe.sql")
        sql.run(con, "suppress/outcomes_account.sql", as_of=_PROBE_DAY)
        found = {r.pop("account_id"): r for r in sql.rows(con, "SELECT * FROM sp_account")}
    finally:
        con.close()
    none = found.pop("")
    return {
        fact: frozenset(c for c, v in row.items() if v != none[c]) for fact, row in found.items()
    }


def condition_columns(con: duckdb.DuckDBPyConnection, expression: str) -> frozenset[str]:
    """The column names a rule's SQL expression reads, as DuckDB's parser sees them: a name in a
    string literal or a comment is none, a qualified one (`s.outcome_dispute`) counts by its
    last part. A ConfigError when the expression does not parse (the run applied it, so it did
    then)."""
    text = sql.scalar(con, "suppress/condition_tree.sql", q=f"SELECT ({expression}\n)")
    tree = json.loads(text)
    if tree.get("error"):
        raise ConfigError(
            f"rule condition {expression!r} does not parse: {tree.get('error_message')}"
        )
    names: set[str] = set()
    stack: list[object] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if node.get("class") == "COLUMN_REF" and node.get("column_names"):
                names.add(str(node["column_names"][-1]))
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return frozenset(names)


def outcome_fact_effects(ruleset: RuleSet) -> FactEffects:
    """Which account facts reported by collectors end a debtor's contact and which hold it,
    under `ruleset`, per contact type: what suppress does with them, read from the rules.

    A rule acts on a fact when its `when` reads one of the fact's columns
    (outcome_fact_columns: `outcome_attorney`, `outcome_attorney_date` ...), whatever its
    scope (a contact rule's subject carries its account's columns), and its `roles` include
    the debtor (only a debtor's contact is ever callable: sql/push/stage_contacts.sql). For
    each of its `contact_types`, its action decides, as apply_effects.sql and the import files'
    contact_usability do:

    * suppress, route_to_estate, route_to_attorney (SUPPRESSING): the contact is suppressed,
      so it ends contact;
    * do_not_mail, on an address: the import files mark the address bad, so it ends contact;
    * hold: the contact is held, and the rule's `reason` says why (a dispute's "collection
      held until verification is sent"), as the run's import files say it;
    * any other action (manual_dial_only, restrict_calling_window, third_party_only,
      legal_hold, note, do_not_mail on a phone or email) leaves the contact callable: nothing.

    The rest of a condition is not evaluated (whoever reads these lacks the account subject:
    PostgreSQL at push time holds the platform's outcomes only): a rule that reads a fact acts
    as if the fact alone fired it. That is the stricter reading: `outcome_attorney AND
    balance > 500` ends contact for every attorney report; it can take a contact out of use
    that the whole condition would have left, never leave one in use that it would have taken.
    """
    columns = outcome_fact_columns()
    ending: set[tuple[str, str]] = set()
    holding: dict[tuple[str, str], list[str]] = {}
    con = duckdb.connect()
    try:
        for rule in ruleset.rules:
            if "debtor" not in rule.roles:
                continue
            read = condition_columns(con, rule.when)
            facts = [fact for fact, cols in columns.items() if cols & read]
            for fact in facts:
                for ctype in rule.contact_types:
                    if rule.action in SUPPRESSING or (
                        rule.action == "do_not_mail" and ctype == "address"
                    ):
                        ending.add((fact, ctype))
                    elif rule.action == "hold":
                        holding.setdefault((fact, ctype), []).append(rule.reason)
    finally:
        con.close()
    return FactEffects(frozenset(ending), {k: "; ".join(v) for k, v in holding.items()})
