"""Logging in and out of the console: local accounts (with a second factor where the account has one) and OpenID
Connect, plus what a page asks before it knows who is there (the session, its CSRF token, the script).

Failed local logins are counted per address and per name, so guessing is slowed for one account from anywhere
and for anyone from one address; a TOTP code is accepted once."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

import golive.web.pages as pages
from golive.web.auth import csrf_ok, csrf_token
from golive.web.console import Served
from golive.web.oidc import ProviderTokens
from golive.web.replies import SECURITY_HEADERS, error, reply
from golive.web.script import SCRIPT
from golive.web.team import OPERATOR, Identity


class LoginApi:
    def __init__(self, served: Served) -> None:
        self.s = served

    async def login_page(self, request: Request) -> Response:
        return HTMLResponse(pages.LOGIN, headers=SECURITY_HEADERS)

    async def script(self, request: Request) -> Response:
        cache = "public, max-age=31536000, immutable" if request.query_params.get("v") == pages.SCRIPT_VERSION \
            else "no-store"
        return Response(SCRIPT, media_type="text/javascript", headers={**SECURITY_HEADERS, "Cache-Control": cache})

    async def health(self, request: Request) -> Response:
        return reply({"ok": True})

    async def session_info(self, request: Request) -> Response:
        s = self.s
        who = s.sessions.who(request, touch=False)
        return reply({"csrf": csrf_token(request), "oidc": s.team.oidc.label if s.team.oidc else None,
                      "who": {"person": who.person, "how": who.how(), "groups": list(who.groups),
                              "operator": s.team.holds(who, OPERATOR)} if who else None})

    async def login(self, request: Request) -> Response:
        s = self.s
        if not csrf_ok(request):
            return error(403, "missing or wrong CSRF token (reload the page)")
        try:
            body = await request.json()
            name, password = str(body.get("name", "")).strip(), str(body.get("password", ""))
            code = str(body.get("code") or "")
        except (ValueError, AttributeError):
            return error(400, "send JSON: name, password (and code)")
        addr = request.client.host if request.client else "?"
        keys = (f"addr:{addr}", f"name:{name.casefold()}")
        wait = s.limiter.retry_after(*keys)
        if wait > 0:
            return error(429, "too many failed logins; try again later", **{"retry_after": round(wait)})
        accounts = s.c.accounts
        if not accounts.check_password(name, password):
            s.limiter.failed(*keys)
            return error(401, "wrong name or password")
        totp = accounts.needs_totp(name)
        if totp and not code:
            return error(401, "enter the code from your authenticator app", totp=True)
        if totp and not accounts.check_totp(name, code, s.used_codes):
            s.limiter.failed(*keys)
            return error(401, "wrong or already used code", totp=True)
        person = s.team.person_for(f"local:{name}", name)
        s.sessions.start(request, Identity(person=person, method="local", second_factor=totp), account=name)
        return reply({"ok": True, "csrf": csrf_token(request)})

    async def logout(self, request: Request) -> Response:
        """Ends this session on the server: the cookie, even copied before, is worth nothing after; and its tokens
        at the OpenID provider, when it can revoke them (golive.web.revalidate)."""
        sid = request.session.get("sid")
        if sid and not csrf_ok(request):
            return error(403, "missing or wrong CSRF token (reload the page)")
        ended = self.s.sessions.end(request)  # first: the cookie, and any copy of it, is refused from now on
        return reply({"ok": True, **await self._revoke(self._tokens(ended))})

    def _tokens(self, ended: dict[str, dict[str, Any]]) -> list[ProviderTokens]:
        """The provider tokens the sessions kept when they ended, read in the same step as their end: a refresh
        that kept new tokens just before is revoked here, one that comes back after revokes its own
        (golive.web.revalidate)."""
        revalidator = self.s.revalidator
        found = [revalidator.tokens_in(sid, rec) for sid, rec in ended.items()] if revalidator is not None else []
        return [t for t in found if t is not None]

    async def _revoke(self, tokens: list[ProviderTokens]) -> dict[str, str]:
        """Revoke the ended sessions' provider tokens (each bounded in time; what the provider said, for the
        reply). Called only after the sessions ended: a slow provider never keeps a session alive."""
        revalidator = self.s.revalidator
        told = [await revalidator.revoke(t) for t in tokens] if revalidator is not None else []
        return {"provider": told[0] if len(set(told)) == 1 else "; ".join(sorted(set(told)))} if told else {}

    async def logout_everywhere(self, request: Request) -> Response:
        who = self.s.sessions.who(request)
        if who is None or who.method == "token":
            return error(401, "log in first", login="/login")
        if not csrf_ok(request):
            return error(403, "missing or wrong CSRF token (reload the page)")
        ended = self.s.sessions.end_everywhere(who)  # first: every copied cookie is refused from now on
        request.session.clear()
        return reply({"ok": True, "ended": len(ended), **await self._revoke(self._tokens(ended))})

    async def oidc_start(self, request: Request) -> Response:
        oidc = self.s.oidc
        if oidc is None:
            return error(404, "no OpenID provider is configured (team config: oidc)")
        nxt = request.query_params.get("next", "/")
        request.session["next"] = nxt if nxt.startswith("/") and not nxt.startswith("//") else "/"
        return await oidc.start(request)

    async def oidc_callback(self, request: Request) -> Response:
        oidc = self.s.oidc
        if oidc is None:
            return error(404, "no OpenID provider is configured")
        result = await oidc.finish(request)
        if isinstance(result, str):
            return HTMLResponse(pages.login_failed(result), status_code=401, headers=SECURITY_HEADERS)
        nxt = str(request.session.get("next") or "/")
        who, tokens = result
        sid = self.s.sessions.start(request, who)
        if self.s.revalidator is not None and not self.s.revalidator.keep(sid, tokens):
            await self.s.revalidator.revoke(tokens)  # ended at once (log out everywhere): no token outlives it
        return RedirectResponse(nxt, status_code=303)
