"""Log in through an OpenID provider: authorization code flow with PKCE (S256), the provider found through its
discovery URL, the ID token checked by authlib (signature against the provider's keys, issuer, audience,
nonce). The person's name and groups come from the claims the team config names.

The provider's word at login is not its word an hour later (an account disabled, a grant revoked), so the login
also keeps what lets the console ask again (`ProviderTokens`, kept by golive.web.revalidate), and `reconfirm`
asks: the refresh-token grant, or userinfo with the access token when the provider gave no refresh token."""

from __future__ import annotations

import enum
import os
import ssl
import time
import warnings
from dataclasses import dataclass, field
from typing import Any

import httpx

with warnings.catch_warnings():  # authlib announces a future move to another HTTP client at import: not ours to fix
    import authlib.deprecate  # noqa: F401  # its import switches its warnings to "always"; the filter below comes after it

    warnings.simplefilter("ignore")
    from authlib.integrations.starlette_client import OAuth, OAuthError
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from golive.errors import UsageError
from golive.web.team import Identity, OidcSettings, Team

CALLBACK = "/auth/oidc/callback"
#: Seconds to wait for the provider: a hung provider must not hold a decision (or a page) for long.
PROVIDER_TIMEOUT = 10.0
#: Token endpoint errors that mean "this sign-in no longer stands" rather than "the provider is not answering".
REFUSALS = frozenset({"invalid_grant", "invalid_token", "access_denied", "unauthorized_client", "login_required"})


@dataclass(frozen=True)
class ProviderTokens:
    """What the token endpoint gave a session. Values are kept out of `repr` so no traceback or log shows them."""

    access_token: str | None = field(default=None, repr=False)
    refresh_token: str | None = field(default=None, repr=False)
    #: When the access token expires (epoch seconds; None: the provider did not say).
    expires_at: float | None = None

    @classmethod
    def from_response(cls, token: dict[str, Any], keep_refresh: str | None = None) -> ProviderTokens:
        """From a token response; a refresh answer without a new refresh token keeps the old one (no rotation)."""
        expires_at = token.get("expires_at")
        if expires_at is None and token.get("expires_in") is not None:
            expires_at = time.time() + float(token["expires_in"])
        return cls(access_token=_text(token.get("access_token")),
                   refresh_token=_text(token.get("refresh_token")) or keep_refresh,
                   expires_at=float(expires_at) if expires_at is not None else None)


class Verdict(enum.Enum):
    CONFIRMED = "confirmed"
    #: The provider says the sign-in no longer stands (revoked, account disabled or removed).
    REFUSED = "refused"
    #: No answer that means either (down, timed out, a server error, our own client refused).
    UNANSWERED = "unanswered"


@dataclass(frozen=True)
class Answer:
    verdict: Verdict
    #: Why, in words safe to show (never a token).
    reason: str = ""
    tokens: ProviderTokens | None = None
    #: The person's groups as the provider says now (confirmed only); None when userinfo carries no groups claim.
    groups: tuple[str, ...] | None = None


class OidcLogin:
    def __init__(self, settings: OidcSettings, team: Team) -> None:
        self.settings, self.team = settings, team
        secret = None
        if settings.client_secret_env:
            secret = os.environ.get(settings.client_secret_env)
            if not secret:
                raise UsageError(f"the OIDC client secret is read from ${settings.client_secret_env}, which is unset")
        kwargs: dict[str, Any] = {"scope": settings.scope, "code_challenge_method": "S256",
                                  "timeout": PROVIDER_TIMEOUT}
        if settings.ca_file:
            kwargs["verify"] = ssl.create_default_context(cafile=settings.ca_file)
        oauth = OAuth()
        oauth.register("provider", client_id=settings.client_id, client_secret=secret,
                       server_metadata_url=settings.discovery_url, client_kwargs=kwargs)
        client = oauth.create_client("provider")
        assert client is not None
        self.client = client

    async def start(self, request: Request) -> Response:
        redirect_uri = str(request.base_url).rstrip("/") + CALLBACK
        result: Response = await self.client.authorize_redirect(request, redirect_uri)
        return result

    async def finish(self, request: Request) -> tuple[Identity, ProviderTokens] | str:
        """The identity the provider vouched for and the tokens to ask it again with, or why the login failed
        (shown to the person)."""
        try:
            token = await self.client.authorize_access_token(request)
        except OAuthError as exc:
            return f"the identity provider refused the login: {exc.error}"
        claims: dict[str, Any] = dict(token.get("userinfo") or {})
        s = self.settings
        if s.name_claim not in claims or s.groups_claim not in claims:
            claims.update(await self.client.userinfo(token=token))
        subject, issuer = str(claims.get("sub", "")), str(claims.get("iss") or "")
        if not subject:
            return "the identity provider sent no subject"
        if not issuer:
            metadata = await self.client.load_server_metadata()
            issuer = str(metadata.get("issuer", ""))
        name = str(claims.get(s.name_claim) or subject)
        person = self.team.person_for(f"oidc:{subject}", name)
        return (Identity(person=person, method="oidc", groups=self.groups(claims), issuer=issuer, subject=subject),
                ProviderTokens.from_response(dict(token)))

    async def reconfirm(self, tokens: ProviderTokens, subject: str | None, now: float) -> Answer:
        """Whether the provider still stands by this sign-in, and the person's groups now: the refresh-token grant
        (which checks the account and the grant now; without a refresh token, the access token while it lasts),
        then userinfo, which must answer for the same subject (a group taken away at the provider is taken away
        here at the same time)."""
        fresh: ProviderTokens | None = None  # a refresh's new tokens: handed back whatever follows, never dropped
        try:
            if tokens.refresh_token:
                got = await self.client.fetch_access_token(grant_type="refresh_token",
                                                           refresh_token=tokens.refresh_token)
                tokens = fresh = ProviderTokens.from_response(dict(got), tokens.refresh_token)
            elif not tokens.access_token or (tokens.expires_at is not None and now >= tokens.expires_at):
                return Answer(Verdict.REFUSED, "the provider gave no refresh token and the access token has expired")
            if not tokens.access_token:
                return Answer(Verdict.UNANSWERED, "the identity provider sent no access token", fresh)
            claims = dict(await self.client.userinfo(token={"access_token": tokens.access_token,
                                                            "token_type": "Bearer"}))
        except OAuthError as exc:
            verdict = Verdict.REFUSED if exc.error in REFUSALS else Verdict.UNANSWERED
            return Answer(verdict, f"the identity provider answered {exc.error}", fresh)
        except httpx.HTTPStatusError as exc:
            status = exc.response.status_code
            verdict = Verdict.REFUSED if status in (400, 401, 403) else Verdict.UNANSWERED
            return Answer(verdict, f"the identity provider answered HTTP {status}", fresh)
        except (httpx.HTTPError, OSError, ValueError) as exc:
            return Answer(Verdict.UNANSWERED, f"cannot reach the identity provider ({type(exc).__name__})", fresh)
        if str(claims.get("sub") or "") != subject:
            return Answer(Verdict.REFUSED, "the identity provider answered for another subject", fresh)
        # a provider that puts groups only in the ID token (Azure AD's default, Okta's custom claims) sends none in
        # userinfo: not a word on them, so the login's groups stand (until the session's absolute age), where an
        # empty list would have taken every role by group away at the first check
        said = self.groups(claims) if self.settings.groups_claim in claims else None
        return Answer(Verdict.CONFIRMED, tokens=tokens, groups=said)

    async def revoke(self, tokens: ProviderTokens) -> str:
        """Revoke the session's tokens at the provider (RFC 7009) when it advertises a `revocation_endpoint`: a
        refresh token copied out of the server (or taken from a backup of it) is worth nothing after logout. The
        refresh token first (the grant's access tokens go with it at most providers), then the access token.
        Returns what happened, in words safe to show (never a token); never raises: logging out always ends the
        console's session, whatever the provider answers."""
        try:
            metadata = await self.client.load_server_metadata()
            url = metadata.get("revocation_endpoint")
            if not url:
                return "the identity provider advertises no revocation endpoint; its tokens expire by themselves"
            async with self.client._get_oauth_client(**metadata) as client:
                for value, hint in ((tokens.refresh_token, "refresh_token"), (tokens.access_token, "access_token")):
                    if value:
                        answer = await client.revoke_token(str(url), token=value, token_type_hint=hint)
                        if answer.status_code != 200:  # RFC 7009 2.2: 200 whether or not the token was valid
                            return f"the identity provider answered HTTP {answer.status_code} to the revocation"
        except (OAuthError, httpx.HTTPError, OSError, ValueError) as exc:
            return f"cannot reach the identity provider to revoke the tokens ({type(exc).__name__})"
        return "revoked at the identity provider"

    def groups(self, claims: dict[str, Any]) -> tuple[str, ...]:
        groups = claims.get(self.settings.groups_claim) or []
        return (str(groups),) if isinstance(groups, str) else tuple(str(g) for g in groups)


def _text(value: Any) -> str | None:
    return str(value) if value else None


def login_redirect(next_path: str = "/") -> RedirectResponse:
    return RedirectResponse("/login?next=" + next_path if next_path.startswith("/") else "/login", status_code=303)
