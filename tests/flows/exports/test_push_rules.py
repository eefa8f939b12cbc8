"""The push's check of outcomes the platform recorded after the run (guard_outcomes.sql) acts on
the account facts as the rules the run applied do, not as the shipped rules do.

A rules file that routes an attorney report to a hold, or that has no rule on disputes, made the
run hold (or leave callable) what the push then staged not callable (or held): the push took the
facts that end or hold contact from the vocabulary's fixed lists, i.e. from the shipped rules'
actions. It now reads them from the run's recorded rules (matchers/suppress.py
outcome_fact_effects). A real PostgreSQL (pgserver), as the other push tests.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml

from skiptrace.errors import ConfigError
from skiptrace.flows.audit.run_config import read_rules, record_config
from skiptrace.flows.exports.push import push_run
from skiptrace.matchers.rules import DEFAULT_RULES
from skiptrace.matchers.suppress import (
    RuleSet,
    load_rules,
    outcome_fact_columns,
    outcome_fact_effects,
)
from skiptrace.sources.outcomes import outcome_lists
from tests.flows.exports.pg_outcomes import insert_outcomes
from tests.flows.exports.test_push import (
    RUN1,
    RUN2,
    add_contact,
    contacts,
    run1,  # noqa: F401 (the fixture, reached as `portfolio`)
    table,
)
from tests.flows.exports.test_push_window import next_run

TYPES = ("address", "email", "phone")
Edit = Callable[[dict[str, Any]], dict[str, Any] | None]


@pytest.fixture
def portfolio(request: pytest.FixtureRequest) -> duckdb.DuckDBPyConnection:
    """test_push.py's run1: its contacts, decisions and flags in a migrated DuckDB."""
    con: duckdb.DuckDBPyConnection = request.getfixturevalue("run1")
    return con


def rules_file(tmp_path: Path, edit: Edit | None) -> Path:
    """The shipped rules with `edit` applied to each rule (None: the rule dropped)."""
    data = yaml.safe_load(DEFAULT_RULES.read_text(encoding="utf-8"))
    if edit is not None:
        data["rules"] = [r for r in (edit(dict(rule)) for rule in data["rules"]) if r is not None]
    path = tmp_path / "rules.yml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def _set(rule_id: str, **changes: Any) -> Edit:
    return lambda r: {**r, **changes} if r["id"] == rule_id else r


def _drop(*rule_ids: str) -> Edit:
    return lambda r: None if r["id"] in rule_ids else r


def push_after_outcomes(
    con: duckdb.DuckDBPyConnection,
    pg_url: str,
    rules: Path | None,
    rows: Sequence[tuple[str, ...]],
    *,
    ran_with: Path | None = None,
) -> dict[tuple[str, str], dict[str, Any]]:
    """RUN1 pushed, then `rows` recorded by the platform, then RUN2 (RUN1's contacts and A5's
    phone and address) that applied `rules` (recorded; None: records nothing) pushed.
    `ran_with`: the `--rules` both runs' parameters name."""
    if ran_with is not None:
        con.execute("UPDATE runs SET params = ?", [f'{{"rules": "{ran_with}"}}'])
    push_run(con, RUN1, pg_url)  # creates contact_outcomes
    insert_outcomes(pg_url, rows)
    next_run(con, RUN2)
    if ran_with is not None:
        con.execute("UPDATE runs SET params = ?", [f'{{"rules": "{ran_with}"}}'])
    add_contact(con, RUN2, "A5", "+17065550155")
    add_contact(con, RUN2, "A5", "5 ELM ST|30161", contact_type="address")
    if rules is not None:
        record_config(con, RUN2, read_rules(rules))
    push_run(con, RUN2, pg_url)
    return contacts(pg_url)


A1 = ("+17065550101", "1 MAIN ST|30161", "+17065550102")
A5 = ("+17065550155", "5 ELM ST|30161")
FACTS = [("A1", "", "attorney", "2025-05-02"), ("A5", "", "dispute", "2025-05-03")]
ENDED = (False, False, "collector outcome attorney on 2025-05-02 (platform record at push time)",
         None)  # fmt: skip
#: held, in the words of the run's hold rule
HELD = (False, True, None, "collector outcome dispute on 2025-05-03 (platform record at push"
        " time): collector recorded a dispute: collection held until verification is sent")  # fmt: skip
ATTORNEY_HELD = (False, True, None, "collector outcome attorney on 2025-05-02 (platform record"
                 " at push time): collector recorded attorney representation: communicate only"
                 " with the attorney")  # fmt: skip
CALLABLE = (True, False, None, None)


def _state(row: dict[str, Any]) -> tuple[Any, ...]:
    return (row["callable"], row["on_hold"], row["suppression_reason"], row["hold_reason"])


@pytest.mark.parametrize(
    ("edit", "a1", "a5"),
    [
        # the shipped rules, recorded by the run: as before
        (None, dict.fromkeys(A1, ENDED), dict.fromkeys(A5, HELD)),
        # attorney routed to a hold: held, not ended
        (_set("outcome_attorney", action="hold"), dict.fromkeys(A1, ATTORNEY_HELD),
         dict.fromkeys(A5, HELD)),
        # no rule on a collector's dispute (the rule on the account file's flag stays): no hold
        (_drop("outcome_dispute"), dict.fromkeys(A1, ENDED), dict.fromkeys(A5, CALLABLE)),
        # a hold on the phones only; the address stays callable
        (_set("outcome_dispute", contact_types=["phone"]), dict.fromkeys(A1, ENDED),
         {A5[0]: HELD, A5[1]: CALLABLE}),
        # attorney as do-not-mail: the import files mark the address bad, phones stay callable
        (_set("outcome_attorney", action="do_not_mail"),
         {A1[0]: CALLABLE, A1[1]: ENDED, A1[2]: CALLABLE}, dict.fromkeys(A5, HELD)),
        # attorney only noted, and a dispute rule for third parties only: nothing at push time
        (lambda r: _set("outcome_dispute", roles=["third_party"])(
            _set("outcome_attorney", action="note")(r)),  # type: ignore[arg-type]
         dict.fromkeys(A1, CALLABLE), dict.fromkeys(A5, CALLABLE)),
    ],
    ids=["shipped", "attorney-hold", "no-dispute-rule", "dispute-phones-only",
         "attorney-do-not-mail", "note-and-third-party"],
)  # fmt: skip
def test_the_push_acts_on_account_facts_as_the_run_s_rules_do(
    portfolio: duckdb.DuckDBPyConnection,
    pg_url: str,
    tmp_path: Path,
    edit: Edit | None,
    a1: dict[str, tuple[Any, ...]],
    a5: dict[str, tuple[Any, ...]],
) -> None:
    rows = push_after_outcomes(portfolio, pg_url, rules_file(tmp_path, edit), FACTS)
    assert {k: _state(rows[("A1", k)]) for k in A1} == a1
    assert {k: _state(rows[("A5", k)]) for k in A5} == a5
    before = table(pg_url, "skiptrace_contacts", "1")
    assert push_run(portfolio, RUN2, pg_url).updated == 0  # a second push changes nothing
    assert table(pg_url, "skiptrace_contacts", "1") == before


def test_a_run_without_recorded_rules_takes_those_it_ran_with_and_says_so_once(
    portfolio: duckdb.DuckDBPyConnection,
    pg_url: str,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A run from before the rules were recorded (run_config_files): the push reads the facts,
    as the bands, from the rules file in its parameters (else the shipped rules), and logs it
    once per push."""
    rules = rules_file(tmp_path, _set("outcome_attorney", action="hold"))
    caplog.set_level(logging.WARNING, logger="skiptrace.push")
    rows = push_after_outcomes(portfolio, pg_url, None, FACTS, ran_with=rules)
    assert {k: _state(rows[("A1", k)]) for k in A1} == dict.fromkeys(A1, ATTORNEY_HELD)
    said = [r.getMessage() for r in caplog.records if "recorded no rules" in r.getMessage()]
    assert said == [
        f"run {run} recorded no rules (a run from before they were recorded): the push takes its"
        f" bands and the collector-reported account facts that end or hold contact from the"
        f" rules file {rules}"
        for run in (RUN1, RUN2)
    ]


def test_a_contact_s_own_bad_verdict_or_opt_out_is_not_the_rules_file_s_to_lift(
    portfolio: duckdb.DuckDBPyConnection, pg_url: str, tmp_path: Path
) -> None:
    """Decided: without the rules on wrong numbers and opt-outs, a wrong number or an opt-out the
    platform recorded after the run still makes that contact not callable at push time. Resolve
    lowers a bad verdict below the bad band whatever the rules say, and an opt-out is the
    consumer's revocation for that contact, which no rules file makes callable again."""
    rules = rules_file(tmp_path, _drop("outcome_wrong_number", "outcome_opted_out"))
    rows = push_after_outcomes(
        portfolio, pg_url, rules,
        [("A1", "706-555-0101", "wrong_number", "2025-05-02"),
         ("A1", "706-555-0102", "opted_out", "2025-05-02")],
    )  # fmt: skip
    assert _state(rows[("A1", A1[0])])[:3] == (
        False, False, "collector outcome wrong number on 2025-05-02 (platform record at push time)"
    )  # fmt: skip
    assert _state(rows[("A1", A1[2])])[:3] == (
        False, False,
        "consumer opted out of this contact on 2025-05-02 (platform record at push time)",
    )  # fmt: skip
    assert _state(rows[("A1", A1[1])]) == CALLABLE


def test_the_shipped_rules_end_and_hold_what_the_vocabulary_lists() -> None:
    """The shipped rules' effects are the vocabulary's lists the push used to be given, on every
    contact type: a push of a run with them behaves as before."""
    lists = outcome_lists()
    effects = outcome_fact_effects(load_rules())
    assert effects.ending == {(f, t) for f in lists["ending_account_facts"] for t in TYPES}
    assert set(effects.holding) == {(f, t) for f in lists["holding_account_facts"] for t in TYPES}
    assert set(effects.holding.values()) == {
        "collector recorded a dispute: collection held until verification is sent"
    }


def test_each_account_fact_reaches_the_rules_through_its_own_columns() -> None:
    """Read from sql/suppress/outcomes_account.sql (the one place that names them): a boolean
    and the date of the latest report per fact, no column shared."""
    columns = outcome_fact_columns()
    assert set(columns) == set(outcome_lists()["account_fact_outcomes"])
    for cols in columns.values():
        (flag,) = [c for c in cols if not c.endswith("_date")]
        assert cols == {flag, f"{flag}_date"} and flag.startswith("outcome_")
    every = [c for cols in columns.values() for c in cols]
    assert len(every) == len(set(every))


def _rule(when: str, action: str = "suppress", **kw: Any) -> dict[str, Any]:
    return {"id": "r", "regulation": "test", "scope": "account", "when": when,
            "action": action, "reason": "test rule", **kw}  # fmt: skip


@pytest.mark.parametrize(
    ("rule", "ending", "holding"),
    [
        # the date column alone names the fact; a qualified name counts by its last part
        (_rule("outcome_attorney_date IS NOT NULL"), {"attorney"}, set()),
        (_rule("s.outcome_dispute", "hold"), set(), {"dispute"}),
        # the rest of a condition is not evaluated: the stricter reading
        (_rule("outcome_attorney AND balance > 500", "route_to_attorney"), {"attorney"}, set()),
        # a contact rule's subject carries its account's columns
        (_rule("outcome_deceased AND rank = 1", "route_to_estate", scope="contact"),
         {"deceased_confirmed"}, set()),
        # a name in a string literal or a comment, or the account file's flag, is no fact
        (_rule("reason_text = 'outcome_attorney' -- outcome_dispute\n"), set(), set()),
        (_rule("attorney_represented OR dispute", "hold"), set(), set()),
        # actions that leave a debtor's contact callable, or a rule for third parties only
        (_rule("outcome_attorney", "manual_dial_only"), set(), set()),
        (_rule("outcome_attorney", "legal_hold"), set(), set()),
        (_rule("outcome_dispute", "hold", roles=["third_party"]), set(), set()),
    ],
)  # fmt: skip
def test_which_rule_shapes_end_or_hold_a_fact(
    rule: dict[str, Any], ending: set[str], holding: set[str]
) -> None:
    effects = outcome_fact_effects(RuleSet(rules=[rule]))
    assert effects.ending == {(f, t) for f in ending for t in TYPES}
    assert set(effects.holding) == {(f, t) for f in holding for t in TYPES}


def test_do_not_mail_ends_an_address_only_and_contact_types_narrow_a_rule() -> None:
    rules = RuleSet(
        rules=[
            _rule("outcome_cease_and_desist", "do_not_mail"),
            {**_rule("outcome_dispute", "hold", contact_types=["phone", "email"]), "id": "r2"},
        ]
    )
    effects = outcome_fact_effects(rules)
    assert effects.ending == {("cease_and_desist", "address")}
    assert set(effects.holding) == {("dispute", "phone"), ("dispute", "email")}
    assert (effects.facts("holding"), effects.contact_types("holding")) == (
        ["dispute", "dispute"], ["email", "phone"],
    )  # fmt: skip
    assert effects.hold_reasons() == ["test rule", "test rule"]


def test_a_condition_that_does_not_parse_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="does not parse"):
        outcome_fact_effects(RuleSet(rules=[_rule("outcome_attorney AND (")]))
