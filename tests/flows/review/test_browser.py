"""The workbench in a real browser: Playwright driving Debian's Chromium against a real server
over a real pipeline database. Skipped (with the reason) where no chromium is installed;
.ci/run installs it."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from urllib.parse import parse_qs, urlparse

import duckdb
import pytest

from skiptrace.flows.review.store import Store
from skiptrace.flows.review.testing import CHROMIUM_ARGS, BackgroundServer, chromium_path

from .conftest import PASSWORD, password_hash, run_pipeline

pytestmark = pytest.mark.slow
RUN2 = "20261102T000000Z-run2"


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    exe = chromium_path()
    if exe is None:
        pytest.skip("no chromium found (apt-get install chromium; .ci/run does it in CI)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def workbench(review_env) -> Iterator[tuple[str, object]]:
    store = Store(review_env.db)
    store.save_user("rita", "reviewer", password_hash())
    store.save_user("vic", "viewer", password_hash())
    server = BackgroundServer(review_env.db).start()
    try:
        yield server.url, review_env
    finally:
        server.stop()


def login(browser, url: str, user: str = "rita"):
    page = browser.new_context().new_page()
    page.goto(f"{url}/login")
    page.fill("#username", user)
    page.fill("#password", PASSWORD)
    page.click("#login")
    page.wait_for_url(f"{url}/queue")
    return page


def pair_of(page_url: str) -> tuple[str, int]:
    q = parse_qs(urlparse(page_url).query)
    return q["account"][0], int(q["rec"][0])


def test_log_in_approve_a_held_link_and_see_it_linked_after_the_next_run(browser, workbench):
    url, env = workbench
    page = login(browser, url)
    assert page.locator("#queue tbody tr").count() > 0
    page.keyboard.press("j")  # select the first held link, open it
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/pair\?.*"))
    account, rec = pair_of(page.url)
    assert page.inner_text("#role") == "rejected"
    assert page.locator("#waterfall tbody tr").count() >= 9  # prior + every comparison
    page.keyboard.press("a")  # approve: focuses the reason
    page.keyboard.type("same person: SSN last four and street agree")
    page.keyboard.press("Enter")
    page.wait_for_selector("#done")
    queued = [json.loads(x) for x in (Store(env.db).queue_path).read_text().splitlines()]
    assert [(q["account_id"], q["rec_id"], q["action"], q["decided_by"]) for q in queued] == [
        (account, rec, "approve", "rita")
    ]
    page.goto(f"{url}/pair?account={account}&rec={rec}")
    assert "Queued for the next run: approve by rita" in page.inner_text("main")
    run_pipeline(env, RUN2)  # the next nightly run
    page.goto(f"{url}/pair?account={account}&rec={rec}")
    assert page.inner_text("#role") == "debtor"
    assert "same person" in page.inner_text("main")
    # applied now: said so, and no longer "queued" (the queue file keeps every line)
    assert f"Applied by run {RUN2}" in page.inner_text("#applied")
    assert "Queued for the next run" not in page.inner_text("main")
    page.goto(f"{url}/account?id={account}")
    assert "same person" in page.inner_text("#decisions")


def test_reject_with_the_keyboard_records_a_rejection(browser, workbench):
    url, env = workbench
    page = login(browser, url)
    page.click("#queue tbody tr:first-child a")
    page.wait_for_url(re.compile(r".*/pair\?.*"))
    page.wait_for_load_state()  # the shortcuts script is loaded
    page.keyboard.press("r")
    page.keyboard.type("namesake: different DOB year")
    page.keyboard.press("Enter")  # Enter in the reason field must not turn it into an approval
    page.wait_for_selector("#done")
    (queued,) = Store(env.db).queued()
    assert queued["action"] == "reject"


def test_a_request_without_a_session_is_refused(browser, workbench):
    url, env = workbench
    context = browser.new_context()
    page = context.new_page()
    for path in ("/queue", "/flags", "/account?id=x", "/pair?account=x&rec=1"):
        page.goto(url + path)
        assert urlparse(page.url).path == "/login", path
        assert page.locator("#queue").count() == 0
    response = context.request.post(
        f"{url}/decide", form={"account_id": "x", "rec_id": "1", "action": "approve", "reason": "x"}
    )
    assert response.status == 403
    assert Store(env.db).queued() == []


def test_a_name_holding_a_script_tag_renders_as_text(browser, workbench):
    url, env = workbench
    con = duckdb.connect(str(env.db))
    try:
        account, rec = con.execute(
            "SELECT account_id, rec_id FROM match_pairs WHERE role = 'rejected' "
            "ORDER BY match_probability DESC, account_id, rec_id LIMIT 1"
        ).fetchall()[0]
        con.execute(
            "UPDATE accounts SET first_name = '<script>window.pwned=1</script>' WHERE account_id = ?",
            [account],
        )
    finally:
        con.close()
    page = login(browser, url)
    page.goto(f"{url}/pair?account={account}&rec={rec}")
    assert "<script>window.pwned=1</script>" in page.inner_text("#sides")
    assert page.evaluate("typeof window.pwned") == "undefined"


def test_a_form_post_without_its_csrf_token_is_refused(browser, workbench):
    url, env = workbench
    page = login(browser, url)
    page.click("#queue tbody tr:first-child a")
    pair_url = page.url
    for token in (None, "forged"):
        page.goto(pair_url)
        # the decision form as a forged page would send it: no token, or a wrong one
        page.evaluate(
            """token => { const f = document.getElementById('decide');
                 const t = f.querySelector('input[name=csrf]');
                 if (token === null) { t.remove(); } else { t.value = token; }
                 document.getElementById('action').value = 'approve';
                 document.getElementById('reason').value = 'forged'; }""",
            token,
        )
        with page.expect_response(lambda r: r.url.endswith("/decide")) as response:
            page.click("#approve")
        assert response.value.status == 403
        assert "CSRF" in page.inner_text("body")
    assert Store(env.db).queued() == []


def test_a_viewer_cannot_decide_and_a_full_dob_view_is_logged(browser, workbench):
    url, env = workbench
    viewer = login(browser, url, "vic")
    viewer.click("#queue tbody tr:first-child a")
    assert viewer.locator("#decide").count() == 0 and viewer.locator("#show-dob").count() == 0
    assert "(year only)" in viewer.inner_text("#sides")
    reviewer = login(browser, url)
    reviewer.goto(viewer.url)
    account, rec = pair_of(viewer.url)
    reviewer.click("#show-dob")
    reviewer.wait_for_load_state()
    assert re.search(r"\d{4}-\d{2}-\d{2}", reviewer.inner_text("#sides"))
    (entry,) = Store(env.db).access_log()
    assert (entry["user"], entry["what"], entry["account_id"], entry["rec_id"]) == (
        "rita", "dob", account, rec,
    )  # fmt: skip


def test_pages_say_a_run_is_in_progress_while_one_holds_the_database(browser, workbench):
    url, env = workbench
    page = login(browser, url)
    import subprocess
    import sys

    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('held', flush=True); "
         "time.sleep(60)", str(env.db)],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        response = page.goto(f"{url}/queue")
        assert response is not None and response.status == 503
        assert "Run in progress" in page.inner_text("h1")
    finally:
        holder.kill()
        holder.wait()
    page.goto(f"{url}/queue")
    assert page.locator("#queue").count() == 1


def test_a_second_reviewer_must_replace_a_pending_decision_explicitly(browser, workbench):
    """rita approves; rosa, rejecting the same pair, is shown rita's decision instead of silently
    overruling it, and records hers only by ticking "replace", which the queue line records."""
    url, env = workbench
    Store(env.db).save_user("rosa", "reviewer", password_hash())
    rita = login(browser, url)
    rita.click("#queue tbody tr:first-child a")
    rita.wait_for_url(re.compile(r".*/pair\?.*"))
    pair_url = rita.url
    rita.fill("#reason", "same person: SSN last four agree")
    rita.click("#approve")
    rita.wait_for_url(re.compile(r".*done=.*"))
    (first,) = Store(env.db).queued()

    rosa = login(browser, url, "rosa")
    rosa.goto(pair_url)
    assert "Queued for the next run: approve by rita" in rosa.inner_text("main")
    rosa.fill("#reason", "namesake: different middle name")
    with rosa.expect_response(lambda r: r.url.endswith("/decide")) as response:
        rosa.click("#reject")
    assert response.value.status == 409
    shown = rosa.inner_text("#earlier")
    assert "rita" in shown and "approve" in shown and first["decided_at"] in shown
    assert "same person: SSN last four agree" in shown
    assert [q["decision_id"] for q in Store(env.db).queued()] == [first["decision_id"]]

    rosa.check("#replace-earlier")
    rosa.click("#override-submit")
    rosa.wait_for_url(re.compile(r".*done=.*"))
    first_again, second = Store(env.db).queued()
    assert first_again == first
    assert (second["decided_by"], second["action"], second["replaces"]) == (
        "rosa", "reject", first["decision_id"],
    )  # fmt: skip
    assert second["reason"] == "namesake: different middle name"


def test_a_viewer_or_a_forged_override_records_nothing(browser, workbench):
    """The override form keeps the decide form's checks: a viewer is refused, and so is a post
    without the session's CSRF token, even with "replace" ticked."""
    url, env = workbench
    rita = login(browser, url)
    rita.click("#queue tbody tr:first-child a")
    rita.wait_for_url(re.compile(r".*/pair\?.*"))
    account, rec = pair_of(rita.url)
    rita.fill("#reason", "same person")
    rita.click("#approve")
    rita.wait_for_url(re.compile(r".*done=.*"))
    (first,) = Store(env.db).queued()
    form = {
        "account_id": account, "rec_id": str(rec), "source": first["source"],
        "record_id": first["record_id"], "action": "reject", "reason": "x",
        "replaces": first["decision_id"], "replace_earlier": "yes",
    }  # fmt: skip
    viewer = login(browser, url, "vic")
    token = viewer.get_attribute("form[action='/logout'] input[name=csrf]", "value")
    refused = viewer.request.post(f"{url}/decide", form={**form, "csrf": token})
    assert refused.status == 403 and "not a reviewer" in refused.text()
    forged = rita.request.post(f"{url}/decide", form=form)  # no CSRF token
    assert forged.status == 403 and "CSRF" in forged.text()
    assert Store(env.db).queued() == [first]


def test_the_flags_page_lists_a_deceased_unverified_hold(browser, workbench):
    from .test_flags import unverify_one_death

    url, env = workbench
    account = unverify_one_death(env.db)
    page = login(browser, url)
    page.click("#nav-flags")
    page.wait_for_url(f"{url}/flags")
    row = page.locator("#flags tbody tr", has_text=account)
    assert "deceased_unverified" in row.inner_text() and "hold" in row.inner_text()
    assert "possible death-index match" in row.inner_text()
    assert "Nothing here can be decided in the workbench" in page.inner_text("main")
