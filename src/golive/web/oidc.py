"""Log in through an OpenID provider: authorization code flow with PKCE (S256), the provider found through its
discovery URL, the ID token checked by authlib (signature against the provider's keys, issuer, audience,
nonce). The person's name and groups come from the claims the team config names."""

from __future__ import annotations

import os
import ssl
import warnings
from typing import Any

with warnings.catch_warnings():  # authlib announces a future move to another HTTP client at import: not ours to fix
    import authlib.deprecate  # noqa: F401  # its import switches its warnings to "always"; the filter below comes after it

    warnings.simplefilter("ignore")
    from authlib.integrations.starlette_client import OAuth, OAuthError
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from golive.errors import UsageError
from golive.web.team import Identity, OidcSettings, Team

CALLBACK = "/auth/oidc/callback"


class OidcLogin:
    def __init__(self, settings: OidcSettings, team: Team) -> None:
        self.settings, self.team = settings, team
        secret = None
        if settings.client_secret_env:
            secret = os.environ.get(settings.client_secret_env)
            if not secret:
                raise UsageError(f"the OIDC client secret is read from ${settings.client_secret_env}, which is unset")
        kwargs: dict[str, Any] = {"scope": settings.scope, "code_challenge_method": "S256"}
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

    async def finish(self, request: Request) -> Identity | str:
        """The identity the provider vouched for, or why the login failed (shown to the person)."""
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
        groups = claims.get(s.groups_claim) or []
        if isinstance(groups, str):
            groups = [groups]
        person = self.team.person_for(f"oidc:{subject}", name)
        return Identity(person=person, method="oidc", groups=tuple(str(g) for g in groups), issuer=issuer,
                        subject=subject)


def login_redirect(next_path: str = "/") -> RedirectResponse:
    return RedirectResponse("/login?next=" + next_path if next_path.startswith("/") else "/login", status_code=303)
