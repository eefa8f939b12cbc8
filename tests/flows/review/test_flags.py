"""The disputed-and-held page lists every account a hold rule holds, whatever its flags are named
(the audit found deceased_unverified holds, flag 'deceased', missing: the page said 0 of 11)."""

from __future__ import annotations

from typing import Any

from skiptrace import sql
from skiptrace.flows.orchestration import stages
from skiptrace.flows.review import pages

RUN1 = "20261101T000000Z-run1"


def unverify_one_death(db) -> str:
    """Lower one death-index match under the deceased rule's 0.80 and suppress again, so the
    deceased_unverified rule holds that account (its flag stays named plain 'deceased')."""
    con = sql.connect(db)
    try:
        account = con.execute(
            "SELECT f.account_id FROM account_flags f JOIN current_accounts a USING (account_id) "
            "WHERE f.run_id = ? AND f.flag = 'deceased' AND NOT coalesce(a.deceased, false) "
            "ORDER BY 1 LIMIT 1",
            [RUN1],
        ).fetchall()[0][0]
        con.execute(
            "UPDATE account_flags SET confidence = 0.62 WHERE run_id = ? AND account_id = ? "
            "AND flag = 'deceased'",
            [RUN1, account],
        )
        as_of = con.execute("SELECT as_of FROM runs WHERE run_id = ?", [RUN1]).fetchall()[0][0]
        stages.suppress(con, RUN1, as_of)
        return str(account)
    finally:
        con.close()


def all_items(db) -> tuple[list[dict[str, Any]], list[tuple[str, str]]]:
    with pages.read_only(db) as con:
        items, total = pages.flags(con, RUN1)
        holds = con.execute(
            "SELECT DISTINCT account_id, rule FROM suppressions WHERE run_id = ? AND action = 'hold'",
            [RUN1],
        ).fetchall()
    assert total == len(items) <= pages.PAGE_SIZE  # one page in the small portfolio
    return items, sorted(holds)


def test_every_account_a_hold_rule_holds_is_listed_with_rule_reason_and_evidence(
    review_env,
) -> None:
    account = unverify_one_death(review_env.db)
    items, holds = all_items(review_env.db)
    assert ("deceased_unverified" in {r for _, r in holds}) and len(holds) > 1
    assert sorted((i["account_id"], i["name"]) for i in items if i["kind"] == "hold") == holds
    (item,) = [i for i in items if i["account_id"] == account and i["kind"] == "hold"]
    assert item["name"] == "deceased_unverified"
    assert item["reason"].startswith("possible death-index match")
    assert item["evidence"].startswith("deceased 0.620: ")  # the flag the rule read, by name
