"""The workbench's web routes (FastAPI; server-rendered Jinja2 pages, one small script).

Every page needs a session (a GET without one is sent to the login page, a POST is refused
with 403); every form carries a CSRF token that must match the session's (the login form's
matches a cookie set with it); session cookies are HttpOnly and SameSite=Strict; responses
forbid framing, inline scripts and caching. Templates autoescape, so data shows as text.
Forms are parsed with the standard library (urlencoded bodies), so no form package is needed.
"""

from __future__ import annotations

import logging
import math
import os
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape

from skiptrace.flows.review import pages
from skiptrace.flows.review.auth import (
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    SESSION_SECONDS,
    LoginThrottle,
    Session,
    Sessions,
    same_token,
    verify_password,
)
from skiptrace.flows.review.store import DecisionConflict, Store, StoreError, same_pair

HERE = Path(__file__).resolve().parent
log = logging.getLogger("skiptrace")
STATIC = {"review.css": "text/css", "review.js": "text/javascript"}
HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; "
    "img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


class LoginRequired(Exception):
    """No valid session: GETs go to the login page, anything else is refused."""


class Forbidden(Exception):
    """A session without the right (viewer deciding, missing or wrong CSRF token)."""


def client_address(request: Request) -> str:
    """The client's address: the peer of the connection, or, behind a proxy the server was told
    to trust (`skiptrace review --behind-proxy`), the address the proxy forwarded."""
    return request.client.host if request.client else "unknown"


def is_https(request: Request) -> bool:
    """Whether the browser reached the workbench over HTTPS: served with TLS, or behind a
    trusted proxy that says so (X-Forwarded-Proto: https). Cookies are then `Secure`, so a
    browser never sends the session over plain HTTP; on plain HTTP (127.0.0.1, the default)
    they cannot be, or the browser would not send them back at all."""
    return request.url.scheme in ("https", "wss")


def create_app(
    db_path: str | os.PathLike[str], *, throttle: LoginThrottle | None = None
) -> FastAPI:
    """The workbench over the database at `db_path` (which it only ever opens read-only).
    `throttle`: the sign-in back-off (tests pass one with a clock of their own)."""
    db = Path(db_path)
    store = Store(db)
    cache = pages.RunCache(db)
    sessions = Sessions()
    throttle = throttle or LoginThrottle()
    env = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
    )
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)

    def render(name: str, status: int = 200, **ctx: Any) -> HTMLResponse:
        return HTMLResponse(env.get_template(name).render(**ctx), status_code=status)

    def session_of(request: Request) -> Session:
        session = sessions.get(request.cookies.get(SESSION_COOKIE))
        if session is None:
            raise LoginRequired()
        # a user removed or demoted from the CLI loses the rights at once
        current = store.user(session.user.name)
        if current is None:
            sessions.end(request.cookies.get(SESSION_COOKIE))
            raise LoginRequired()
        session.user = current
        return session

    async def form_of(request: Request, session: Session | None) -> dict[str, str]:
        body = (await request.body()).decode("utf-8", errors="replace")
        form = {k: v[-1] for k, v in parse_qs(body, keep_blank_values=True).items()}
        if session is not None and not same_token(form.get("csrf"), session.csrf):
            raise Forbidden("missing or wrong CSRF token")
        return form

    def decided_keys() -> list[str]:
        return [pages.pair_key(d["account_id"], d["rec_id"]) for d in store.queued()]

    def base(session: Session, con: Any | None = None, **ctx: Any) -> dict[str, Any]:
        run = pages.latest_run(con) if con is not None else None
        return {"user": session.user, "csrf": session.csrf, "run": run, **ctx}

    @app.middleware("http")
    async def security_headers(request: Request, call_next: Any) -> Response:
        response = await call_next(request)
        for k, v in HEADERS.items():
            response.headers.setdefault(k, v)
        return response

    @app.exception_handler(LoginRequired)
    async def _login_required(request: Request, exc: LoginRequired) -> Response:
        if request.method == "GET":
            return RedirectResponse("/login", status_code=303)
        return PlainTextResponse("login required", status_code=403)

    @app.exception_handler(Forbidden)
    async def _forbidden(request: Request, exc: Forbidden) -> Response:
        return PlainTextResponse(f"forbidden: {exc}", status_code=403)

    @app.exception_handler(pages.DatabaseBusy)
    async def _busy(request: Request, exc: pages.DatabaseBusy) -> Response:
        session = sessions.get(request.cookies.get(SESSION_COOKIE))
        return render("busy.html", 503, user=session.user if session else None,
                      csrf=session.csrf if session else "", run=None)  # fmt: skip

    @app.exception_handler(pages.NotFound)
    async def _not_found(request: Request, exc: pages.NotFound) -> Response:
        session = session_of(request)
        return render("not_found.html", 404, **base(session), message=str(exc))

    # ------------------------------------------------------------------ login

    @app.get("/login")
    async def login_form(request: Request, failed: int = 0) -> Response:
        token = secrets.token_urlsafe(32)
        response = render("login.html", csrf=token, failed=bool(failed), user=None, run=None)
        response.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict",
                            max_age=900, secure=is_https(request))  # fmt: skip
        return response

    @app.post("/login")
    async def login(request: Request) -> Response:
        form = await form_of(request, None)
        if not same_token(form.get("csrf"), request.cookies.get(LOGIN_CSRF_COOKIE)):
            raise Forbidden("missing or wrong CSRF token")
        name, address = form.get("username", ""), client_address(request)
        user = store.user(name)
        # the hash is checked whatever happens next: a locked-out or unknown name costs the
        # same time as a wrong password, and a right password during a lock-out is not told
        # apart from a wrong one
        right = verify_password(user, form.get("password", "")) and user is not None
        locked = throttle.locked_for(name, address)
        if locked:
            return too_many(request, locked)
        if not right or user is None:
            throttle.failed(name, address)
            if throttle.locked_for(name, address):
                # not the name typed: a password typed into the name field would land in the log
                log.warning(
                    "workbench: sign-ins locked for %d min after repeated failures (a user name"
                    " or the address %s)", throttle.lockout // 60, address,
                )  # fmt: skip
            return RedirectResponse("/login?failed=1", status_code=303)
        throttle.succeeded(name)
        sid, _ = sessions.start(user)
        response = RedirectResponse("/queue", status_code=303)
        response.set_cookie(
            SESSION_COOKIE, sid, httponly=True, samesite="strict", max_age=SESSION_SECONDS,
            secure=is_https(request),
        )  # fmt: skip
        response.delete_cookie(
            LOGIN_CSRF_COOKIE, httponly=True, samesite="strict", secure=is_https(request)
        )
        return response

    def too_many(request: Request, seconds: float) -> Response:
        token = secrets.token_urlsafe(32)
        minutes = max(1, math.ceil(seconds / 60))
        response = render(
            "login.html", 429, csrf=token, failed=False, user=None, run=None, locked=minutes
        )
        response.headers["Retry-After"] = str(math.ceil(seconds))
        response.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict",
                            max_age=900, secure=is_https(request))  # fmt: skip
        return response

    @app.post("/logout")
    async def logout(request: Request) -> Response:
        session = session_of(request)
        await form_of(request, session)
        sessions.end(request.cookies.get(SESSION_COOKIE))
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(
            SESSION_COOKIE, httponly=True, samesite="strict", secure=is_https(request)
        )
        return response

    # ------------------------------------------------------------------ pages

    @app.get("/")
    async def home(request: Request) -> Response:
        session_of(request)
        return RedirectResponse("/queue", status_code=303)

    @app.get("/static/{name}")
    async def static(request: Request, name: str) -> Response:
        if name not in STATIC:
            return PlainTextResponse("not found", status_code=404)
        return Response((HERE / "static" / name).read_bytes(), media_type=STATIC[name])

    @app.get("/queue")
    async def queue(request: Request, page: int = 0, done: str = "") -> Response:
        session = session_of(request)
        with pages.read_only(db) as con:
            ctx = base(session, con, done=done, page=max(page, 0))
            items, total = (
                pages.queue(con, ctx["run"]["run_id"], decided_keys(), max(page, 0))
                if ctx["run"] else ([], 0)
            )  # fmt: skip
        return render("queue.html", **ctx, items=items, total=total, page_size=pages.PAGE_SIZE)

    def _pair_page(
        session: Session, account: str, rec: int, *, full_dob: bool, done: str = ""
    ) -> Response:
        with pages.read_only(db) as con:
            ctx = base(session, con)
            if ctx["run"] is None:
                raise pages.NotFound("no completed run yet")
            run_id = ctx["run"]["run_id"]
            decided = decided_keys()
            item = pages.pair(con, run_id, account, rec, full_dob=full_dob, cache=cache)
            prev_key, next_key = pages.neighbours(con, run_id, decided, account, rec)
            applied = pages.applied_decisions(con, account)
        # decisions a completed run took in show as the pair's decision ("applied by run ..."),
        # not as queued: only the ones still waiting for a run are listed as such
        record_id = str(item["record"].get("record_id") or "")
        queued = [d for d in store.queued() if d.get("decision_id") not in applied
                  and same_pair(d, account, item["source"], record_id)]  # fmt: skip
        pending = store.pending(account, item["source"], record_id, applied)
        other = pending if pending and pending.get("decided_by") != session.user.name else None
        return render(
            "pair.html", **ctx, item=item, full_dob=full_dob, queued=queued, other=other,
            prev=pages.split_key(prev_key), next=pages.split_key(next_key), next_key=next_key or "",
            done=done,
        )  # fmt: skip

    @app.get("/pair")
    async def pair(request: Request, account: str, rec: int, done: str = "") -> Response:
        return _pair_page(session_of(request), account, rec, full_dob=False, done=done)

    @app.post("/pair/dob")
    async def pair_dob(request: Request, account: str, rec: int) -> Response:
        session = session_of(request)
        await form_of(request, session)
        if not session.user.can_decide:
            raise Forbidden("only a reviewer may see a full date of birth")
        store.log_access(user=session.user, what="dob", account_id=account, rec_id=rec)
        return _pair_page(session, account, rec, full_dob=True)

    @app.post("/decide")
    async def decide(request: Request) -> Response:
        session = session_of(request)
        form = await form_of(request, session)
        if not session.user.can_decide:
            raise Forbidden(f"{session.user.name} is a {session.user.role}, not a reviewer")
        account_id = form.get("account_id", "")
        source, record_id, run_id = (form.get(k, "") for k in ("source", "record_id", "run_id"))
        try:
            rec_id = int(form.get("rec_id", "") or "")
        except ValueError:
            return PlainTextResponse("not recorded: the decision names no record", 400)
        try:
            # which of the pair's queued decisions are applied; unknown while a run holds the
            # database, and then every queued decision counts as pending (refuse, not overrule)
            with pages.read_only(db) as con:
                problem = pages.decision_target_problem(
                    con, run_id=run_id, account_id=account_id, rec_id=rec_id, source=source,
                    record_id=record_id,
                )  # fmt: skip
                applied: set[str] | None = pages.applied_decisions(con, account_id)
        except pages.DatabaseBusy:
            # not checkable now: queued, and the run that imports it warns if it names no pair
            # that run scored (matchers/review_decisions.py, unapplied_warnings)
            problem, applied = None, None
        if problem is not None:
            return PlainTextResponse(f"not recorded: {problem}", status_code=404)
        # an override counts only when the reviewer ticked it, for the decision they were shown
        replaces = (form.get("replaces") or None) if form.get("replace_earlier") == "yes" else None
        try:
            decision_id = store.record_decision(
                user=session.user,
                account_id=account_id,
                rec_id=rec_id,
                source=source,
                record_id=record_id,
                action=form.get("action", ""),
                reason=form.get("reason", ""),
                seen_run_id=run_id,
                applied=applied,
                replaces=replaces,
            )
        except DecisionConflict as exc:
            # no database read here: the page must work while a run holds the database
            return render(
                "conflict.html", 409, user=session.user, csrf=session.csrf, run=None,
                earlier=exc.earlier, form=form, unknown=applied is None,
            )  # fmt: skip
        except (StoreError, ValueError) as exc:
            return PlainTextResponse(f"not recorded: {exc}", status_code=400)
        nxt = pages.split_key(form.get("next") or None)
        if nxt:
            return RedirectResponse(
                f"/pair?account={quote(nxt[0])}&rec={nxt[1]}&done={quote(decision_id)}",
                status_code=303,
            )
        return RedirectResponse(f"/queue?done={quote(decision_id)}", status_code=303)

    @app.get("/flags")
    async def flags(request: Request, page: int = 0) -> Response:
        session = session_of(request)
        with pages.read_only(db) as con:
            ctx = base(session, con, page=max(page, 0))
            items, total = (
                pages.flags(con, ctx["run"]["run_id"], max(page, 0)) if ctx["run"] else ([], 0)
            )
        return render("flags.html", **ctx, items=items, total=total, page_size=pages.PAGE_SIZE)

    def _account_page(session: Session, account_id: str, *, full_dob: bool) -> Response:
        with pages.read_only(db) as con:
            ctx = base(session, con)
            run_id = ctx["run"]["run_id"] if ctx["run"] else None
            doc = pages.account(
                con, account_id, full_dob=full_dob, run_id=run_id, cache=cache,
                agents=session.user.can_decide,
            )  # fmt: skip
        return render("account.html", **ctx, doc=doc, full_dob=full_dob)

    @app.get("/account")
    async def account(request: Request, id: str = "") -> Response:
        session = session_of(request)
        if not id.strip():
            return render("account_search.html", **base(session))
        return _account_page(session, id.strip(), full_dob=False)

    @app.post("/account/dob")
    async def account_dob(request: Request, id: str) -> Response:
        session = session_of(request)
        await form_of(request, session)
        if not session.user.can_decide:
            raise Forbidden("only a reviewer may see a full date of birth")
        store.log_access(user=session.user, what="dob", account_id=id, rec_id=None)
        return _account_page(session, id, full_dob=True)

    return app
