"""The workbench over plain HTTP (httpx against a real server over a real pipeline database; no
browser needed): decisions only on pairs the run stored, outcomes masked on the account page,
the sign-in back-off and Secure cookies behind a trusted TLS proxy."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import httpx
import pytest

from skiptrace import sql
from skiptrace.flows.review.auth import LOGIN_CSRF_COOKIE, LoginThrottle, hash_password
from skiptrace.flows.review.store import Store
from skiptrace.flows.review.testing import BackgroundServer

from .conftest import PASSWORD, password_hash

RUN1 = "20261101T000000Z-run1"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


class Clock:
    """A clock the test moves (the back-off is time-based)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def add_users(db: Path, rita_hash: str | None = None) -> None:
    """rita (reviewer) and vic (viewer), both hashed cheaply (conftest `password_hash`) unless
    `rita_hash` is given."""
    store = Store(db)
    store.save_user("rita", "reviewer", rita_hash or password_hash())
    store.save_user("vic", "viewer", password_hash())


def attempt(url: str, user: str, password: str, **headers: str) -> httpx.Response:
    """One sign-in from a fresh client, as a browser does it (login form, then post). The login
    cookie goes back by hand: behind the https proxy it is Secure, and httpx, talking plain HTTP
    to the server, would keep it as a browser talking https to the proxy would not."""
    form = httpx.get(f"{url}/login", headers=headers)
    token = CSRF.search(form.text)
    assert token is not None
    cookie = form.cookies[LOGIN_CSRF_COOKIE]
    return httpx.post(
        f"{url}/login",
        data={"csrf": token.group(1), "username": user, "password": password},
        headers={**headers, "Cookie": f"{LOGIN_CSRF_COOKIE}={cookie}"},
    )


def login(url: str, user: str) -> httpx.Client:
    c = httpx.Client(base_url=url, follow_redirects=False)
    token = CSRF.search(c.get("/login").text)
    assert token is not None
    r = c.post("/login", data={"csrf": token.group(1), "username": user, "password": PASSWORD})
    assert r.status_code == 303 and r.headers["location"] == "/queue", r.text
    return c


def csrf_of(c: httpx.Client) -> str:
    found = CSRF.search(c.get("/queue").text)
    assert found is not None
    return found.group(1)


@pytest.fixture
def server(review_env) -> Iterator[tuple[str, Path]]:
    """rita's password hashed as `skiptrace review user add` hashes it: one sign-in of the
    suite with the shipped argon2 parameters."""
    add_users(review_env.db, rita_hash=hash_password(PASSWORD))
    srv = BackgroundServer(review_env.db).start()
    try:
        yield srv.url, review_env.db
    finally:
        srv.stop()


def rows(db: Path, query: str, *params: Any) -> list[tuple[Any, ...]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(query, list(params)).fetchall()
    finally:
        con.close()


# --------------------------------------------------------------------------- decisions


def test_a_decision_on_a_pair_the_run_did_not_store_is_refused(server) -> None:
    """A decision is applied by account, source and source record id: one naming a pair the
    run did not store used to be answered "recorded" and then did nothing (audit finding 8)."""
    url, db = server
    ((account, rec, source, record_id),) = rows(
        db,
        "SELECT m.account_id, m.rec_id, s.source, s.record_id FROM match_pairs m "
        "JOIN source_records s USING (rec_id) WHERE m.run_id = ? AND m.role = 'rejected' "
        "ORDER BY m.match_probability DESC, m.account_id, m.rec_id LIMIT 1",
        RUN1,
    )
    # a record of the database the run did not pair with that account
    ((other_rec, other_source, other_record),) = rows(
        db,
        "SELECT s.rec_id, s.source, s.record_id FROM source_records s WHERE NOT EXISTS "
        "(SELECT 1 FROM match_pairs m WHERE m.run_id = ? AND m.account_id = ? "
        "AND m.rec_id = s.rec_id) ORDER BY s.rec_id LIMIT 1",
        RUN1,
        account,
    )
    c = login(url, "rita")
    real = {"account_id": account, "rec_id": str(rec), "source": source,
            "record_id": record_id, "run_id": RUN1}  # fmt: skip
    elsewhere = {"rec_id": str(other_rec), "source": other_source, "record_id": other_record}
    forged: dict[str, dict[str, str]] = {
        "no such account": {**real, "account_id": "4199999999"},
        "no such record": {**real, "source": "nosuch", "record_id": "ZZZ"},
        "no pair": {**real, **elsewhere},
        # the pair's rec_id with another record's source and id
        "another record": {**real, "source": other_source, "record_id": other_record},
        "no such run": {**real, "run_id": "20990101T000000Z-none"},
        "no run": {**real, "run_id": ""},
    }
    expected = {
        "no such account": "there is no account 4199999999",
        "no such record": "there is no nosuch record ZZZ",
        "no pair": f"stored no pair of account {account} and {other_source} record {other_record}",
        "another record": f"stored no pair of account {account} and {other_source} record",
        "no such run": "there is no run 20990101T000000Z-none",
        "no run": "names no run",
    }
    for what, form in forged.items():
        r = c.post("/decide", data={**form, "csrf": csrf_of(c), "action": "approve",
                                    "reason": what, "next": ""})  # fmt: skip
        assert r.status_code == 404, (what, r.status_code, r.text)
        assert r.text.startswith("not recorded: ") and expected[what] in r.text, (what, r.text)
    assert Store(db).queued() == []  # nothing reached the queue
    r = c.post("/decide", data={**real, "csrf": csrf_of(c), "action": "approve",
                                "reason": "same person", "next": ""})  # fmt: skip
    assert r.status_code == 303
    assert [(q["account_id"], q["record_id"]) for q in Store(db).queued()] == [(account, record_id)]


# --------------------------------------------------------------------------- outcomes

PHONE_SHOWN, PHONE_KEY, AGENT = "(839) 359-3313", "+18393593313", "Agnes Collector"
EMAIL = "debtor.person@example.com"


def test_the_account_pages_outcomes_are_masked_like_the_rest_of_it(review_env) -> None:
    """Outcome rows used to be printed column by column, the number and the agent in full."""
    db = review_env.db
    ((account,),) = rows(db, "SELECT account_id FROM match_pairs WHERE run_id = ? "
                             "ORDER BY account_id LIMIT 1", RUN1)  # fmt: skip
    con = sql.connect(db)
    try:
        con.execute(
            "INSERT INTO contact_outcomes (origin, origin_id, account_id, contact_type, contact,"
            " contact_key, outcome, outcome_date, agent, loaded_at, origin_seq, run_id) VALUES"
            " ('postgres', '7', ?, 'phone', ?, ?, 'wrong_number', DATE '2026-11-17', ?,"
            "  TIMESTAMP '2026-11-18 06:00:00', 7, ?),"
            " ('postgres', '8', ?, 'email', ?, ?, 'cease_and_desist', DATE '2026-11-18', ?,"
            "  TIMESTAMP '2026-11-18 06:00:00', 8, ?)",
            [account, PHONE_SHOWN, PHONE_KEY, AGENT, RUN1, account, EMAIL, EMAIL, AGENT, RUN1],
        )
    finally:
        con.close()
    add_users(db)
    srv = BackgroundServer(db).start()
    try:
        pages = {who: login(srv.url, who).get("/account", params={"id": account}).text
                 for who in ("vic", "rita")}  # fmt: skip
    finally:
        srv.stop()
    for who, page in pages.items():
        table = page[page.index('id="outcomes"') :]
        digits = re.sub(r"\D", "", table)
        assert "3593313" not in digits and "debtor.person" not in table, who
        assert "***-***-3313" in table and "d***@example.com" in table, who
        # what compliance follows an outcome back by stays in full
        for kept in ("wrong_number", "cease_and_desist", "2026-11-17", "postgres 7", RUN1):
            assert kept in table, (who, kept)
    # a viewer sees the collector's name masked like every name on the page; a reviewer, who
    # follows a cease-and-desist up with whoever took it, in full
    assert AGENT not in pages["vic"] and "A**** C********" in pages["vic"]
    assert AGENT in pages["rita"]


# --------------------------------------------------------------------------- sign-in


def test_repeated_failed_sign_ins_lock_the_user_out_for_a_while(review_env) -> None:
    add_users(review_env.db)
    clock = Clock()
    srv = BackgroundServer(review_env.db, throttle=LoginThrottle(clock=clock)).start()
    try:
        for _ in range(5):
            r = attempt(srv.url, "rita", "wrong password")
            assert r.status_code == 303 and r.headers["location"] == "/login?failed=1"
        # locked: the right password is refused, and answered like a wrong one
        right, wrong = attempt(srv.url, "rita", PASSWORD), attempt(srv.url, "rita", "nope")
        for r in (right, wrong):
            assert r.status_code == 429 and "skiptrace_review=" not in r.headers.get(
                "set-cookie", ""
            )
            assert int(r.headers["retry-after"]) == 15 * 60
            assert "Too many failed sign-ins" in r.text
        assert CSRF.sub("", right.text) == CSRF.sub("", wrong.text)
        # another user from the same address is not locked out by rita's failures
        assert attempt(srv.url, "vic", PASSWORD).status_code == 303
        clock.now += 14 * 60
        assert attempt(srv.url, "rita", PASSWORD).status_code == 429
        clock.now += 61  # fifteen minutes after the fifth failure
        r = attempt(srv.url, "rita", PASSWORD)
        assert r.status_code == 303 and r.headers["location"] == "/queue"
    finally:
        srv.stop()


def test_one_address_trying_many_names_is_locked_out(review_env) -> None:
    add_users(review_env.db)
    clock = Clock()
    throttle = LoginThrottle(max_address_failures=4, clock=clock)  # 20 by default; 4 is quicker
    srv = BackgroundServer(review_env.db, throttle=throttle).start()
    try:
        for i in range(4):  # names that do not exist count too
            assert attempt(srv.url, f"guess{i}", "password1").status_code == 303
        assert attempt(srv.url, "vic", PASSWORD).status_code == 429
        clock.now += 15 * 60
        assert attempt(srv.url, "vic", PASSWORD).status_code == 303
    finally:
        srv.stop()


def test_a_failure_older_than_the_window_is_forgotten() -> None:
    clock = Clock()
    t = LoginThrottle(clock=clock)
    for _ in range(4):
        t.failed("rita", "10.0.0.1")
    clock.now += 15 * 60 + 1
    t.failed("rita", "10.0.0.1")
    assert t.locked_for("rita", "10.0.0.1") == 0
    for _ in range(4):  # the one after the window and these four: five
        t.failed("RITA", "10.0.0.2")  # the name as typed in another case is the same name
    assert t.locked_for("rita", "10.0.0.3") == 15 * 60
    assert t.locked_for("vic", "10.0.0.3") == 0


def _cookies(r: httpx.Response) -> list[str]:
    return r.headers.get_list("set-cookie")


def test_cookies_are_secure_only_behind_a_trusted_https_proxy(review_env) -> None:
    """Plain HTTP on 127.0.0.1 keeps working (a Secure cookie would never come back over it);
    behind a TLS proxy named with --trusted-proxy the cookies are Secure, and a client that
    merely sends X-Forwarded-Proto to an untrusting server gets no Secure cookie."""
    add_users(review_env.db)
    plain = BackgroundServer(review_env.db).start()
    proxied = BackgroundServer(
        review_env.db, trusted_proxy="127.0.0.1", throttle=LoginThrottle(max_address_failures=3)
    ).start()
    try:
        r = attempt(plain.url, "rita", PASSWORD)
        assert r.status_code == 303 and r.headers["location"] == "/queue"
        assert _cookies(r) and not any("secure" in c.lower() for c in _cookies(r))
        forged = attempt(plain.url, "rita", PASSWORD, **{"X-Forwarded-Proto": "https"})
        assert not any("secure" in c.lower() for c in _cookies(forged))
        with httpx.Client(base_url=proxied.url, headers={"X-Forwarded-Proto": "https"}) as c:
            form = c.get("/login")
            assert all("; secure" in x.lower() for x in _cookies(form))
        r = attempt(proxied.url, "rita", PASSWORD, **{"X-Forwarded-Proto": "https"})
        session = [x for x in _cookies(r) if x.startswith("skiptrace_review=")]
        assert session and "; secure" in session[0].lower() and "httponly" in session[0].lower()
        assert all("; secure" in x.lower() for x in _cookies(r))  # the login cookie's removal too
        # the proxy's forwarded client address is the one the back-off counts
        for i in range(3):
            attempt(proxied.url, f"x{i}", "y", **{"X-Forwarded-For": "203.0.113.9"})
        assert attempt(proxied.url, "vic", PASSWORD,
                       **{"X-Forwarded-For": "203.0.113.9"}).status_code == 429  # fmt: skip
        assert attempt(proxied.url, "vic", PASSWORD,
                       **{"X-Forwarded-For": "203.0.113.10"}).status_code == 303  # fmt: skip
    finally:
        plain.stop()
        proxied.stop()


def test_the_servers_port_is_its_own_from_the_moment_it_is_made(review_env) -> None:
    """The port is bound when the server is made and uvicorn serves on that very socket: it
    was found free, closed, and bound again by uvicorn at start, and on a busy machine another
    process's connection could take it in between (the server then never started)."""
    import errno
    import socket

    srv = BackgroundServer(review_env.db)
    with socket.socket() as other, pytest.raises(OSError) as taken:
        other.bind(("127.0.0.1", srv.port))
    assert taken.value.errno == errno.EADDRINUSE
    srv.start()
    try:
        assert httpx.get(f"{srv.url}/login").status_code == 200
    finally:
        srv.stop()
