"""Asking the OpenID provider again, after login, whether a person's sign-in still stands.

The provider vouches for a person once, at login; afterwards only the provider knows that the account was disabled
or removed, or its grant revoked. So a session that came through OIDC keeps the token response (the refresh token,
the access token and its expiry) and asks the provider again: before every change recorded with the person's name
(approve, reject, confirm, resolve, roll back, resume, abort, start: every request the console's guard marks as a
change), and otherwise at most every `oidc.revalidate` (or once the access token has expired).

A refusal ends the session on the server, so the cookie is worth nothing after it. A provider that does not answer
refuses the change (fail closed: nobody the provider might now refuse signs a decision) but lets the person go on
reading until the session's absolute timeout (an outage at the provider must not blind the team mid-run).

The tokens are kept in the server's session list, never in the cookie, sealed with AES-GCM under a key derived from
the console's session secret and bound to the session id: a copy of `sessions.json` (a backup, a support bundle)
gives nobody a refresh token to use at the provider. No token value is printed, logged or put in an event.

Several `golive web` processes may serve one state directory (behind a load balancer, or a second one started by
hand). A provider that rotates refresh tokens accepts each one once (and may revoke the whole grant when one is
presented twice): two processes refreshing one session at the same time would end it. So asking the provider about
a session is one process's at a time (flock(2) on a file of that session's in the state directory, the session id
hashed into its name), the session's record is read again once the lock is ours, and an answer the provider gave
after this request arrived (another process, or another request, asked meanwhile) serves this request too: one
process refreshes, the others use its result and its new refresh token.

Logging out ends the console's session first (the cookie is worth nothing at once), then revokes the tokens it
kept at the provider when it advertises a revocation endpoint (RFC 7009), each within REVOKE_WAIT: a slow or
absent provider delays the reply, never the session's end. Logout and a refresh under way at that moment (in this
process or another) agree through the session list's flock: logout takes the session's tokens in the same step
that ends it, so new tokens a refresh kept before are revoked by logout, and a refresh whose keeping finds the
session ended revokes the tokens it was just given itself. Tokens a refresh got before the provider failed to
confirm (userinfo refused or did not answer) are likewise kept or revoked, never dropped.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import fcntl
import hashlib
import json
import logging
import os
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from golive.web.oidc import PROVIDER_TIMEOUT, OidcLogin, ProviderTokens, Verdict
from golive.web.sessions import SessionList

#: The session record's field for what the provider gave (sealed) and when it was last asked.
FIELD = "oidc"
#: How long a request waits for another process's question to the provider about the same session (that process
#: waits PROVIDER_TIMEOUT at most per question; a process stopped while asking must not hold the session forever).
LOCK_WAIT = 3 * PROVIDER_TIMEOUT
#: How long logout waits for the provider to revoke one session's tokens (the session has already ended by then).
REVOKE_WAIT = PROVIDER_TIMEOUT
_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Standing:
    """What a request may do after the provider was (or was not) asked."""

    #: The session still counts (False: it has been ended; answer 401 with `reason`).
    live: bool
    #: A change may be made now (False with `live`: the provider did not answer; refuse the change, allow reading).
    may_change: bool
    reason: str = ""
    #: The person's groups as the provider said just now (None: not asked on this request).
    groups: tuple[str, ...] | None = None


OK = Standing(True, True)


class TokenSeal:
    """AES-GCM under a key derived (HKDF-SHA256) from the session secret; the session id is the associated data,
    so a sealed value moved to another session does not open."""

    def __init__(self, secret: str) -> None:
        hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"golive-web oidc tokens")
        self._aead = AESGCM(hkdf.derive(secret.encode()))

    def seal(self, sid: str, tokens: ProviderTokens) -> str:
        nonce = os.urandom(12)
        plain = json.dumps({"access": tokens.access_token, "refresh": tokens.refresh_token}).encode()
        return base64.urlsafe_b64encode(nonce + self._aead.encrypt(nonce, plain, sid.encode())).decode()

    def open(self, sid: str, sealed: str, expires_at: float | None) -> ProviderTokens | None:
        try:
            raw = base64.urlsafe_b64decode(sealed.encode())
            data = json.loads(self._aead.decrypt(raw[:12], raw[12:], sid.encode()))
        except (InvalidTag, ValueError, TypeError):
            return None
        return ProviderTokens(access_token=data.get("access"), refresh_token=data.get("refresh"),
                              expires_at=expires_at)


class Revalidator:
    """Keeps each OIDC session's tokens and asks the provider again when the rule says so."""

    def __init__(self, oidc: OidcLogin, live: SessionList, secret: str, every: float,
                 clock: Callable[[], float]) -> None:
        self.oidc, self.live, self.every, self.clock = oidc, live, every, clock
        self._seal = TokenSeal(secret)
        #: The per-session lock files shared with the other console processes on this state directory.
        self.lock_dir = live.path.parent / "oidc-locks"
        self.prune()
        #: One question to the provider at a time per session: a rotating provider takes a refresh token once.
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}  # with how many requests hold or wait for it

    def keep(self, sid: str, tokens: ProviderTokens, checked: float | None = None,
             who: dict[str, Any] | None = None) -> bool:
        """Seal the provider's tokens into the session's record (with the identity as the provider now says)."""
        now = self.clock() if checked is None else checked
        changes: dict[str, Any] = {FIELD: {"sealed": self._seal.seal(sid, tokens), "expires_at": tokens.expires_at,
                                           "checked": now, "tried": now, "answered": self.clock()}}
        return self.live.update(sid, changes | ({"who": who} if who is not None else {}))

    def _due(self, kept: dict[str, Any], now: float) -> bool:
        last = max(float(kept.get("checked") or 0), float(kept.get("tried") or 0))
        expires_at = kept.get("expires_at")
        return now - last >= self.every or (expires_at is not None and now >= float(expires_at))

    async def check(self, sid: str, change: bool) -> Standing:
        """Ask the provider if a change is about to be recorded or the last answer is too old; end the session
        when it refuses. Callers have already checked the session itself (timeouts, logout)."""
        arrived = self.clock()
        lock, users = self._locks.get(sid) or (asyncio.Lock(), 0)
        self._locks[sid] = (lock, users + 1)
        try:
            async with lock, self._across_processes(sid) as ours:
                if not ours:
                    return Standing(True, False, "another console process has been asking the identity provider"
                                                 " about this session for too long; a decision needs its answer"
                                                 " first, so it was refused and nothing was recorded; try again")
                return await self._check(sid, change, arrived)
        finally:
            lock, users = self._locks[sid]
            if users > 1:
                self._locks[sid] = (lock, users - 1)
            else:
                del self._locks[sid]

    @contextlib.asynccontextmanager
    async def _across_processes(self, sid: str) -> AsyncIterator[bool]:
        """The session's lock file, flock'ed (True), or False after LOCK_WAIT (another process still asking).
        Polled without blocking, so this process's other requests go on while it waits."""
        self.lock_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        path = self.lock_dir / (hashlib.sha256(sid.encode()).hexdigest()[:32] + ".lock")  # never the id itself
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
        try:
            deadline = time.monotonic() + LOCK_WAIT
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        yield False
                        return
                    await asyncio.sleep(0.02)  # the other process's question is bounded by PROVIDER_TIMEOUT
            os.utime(fd)  # in use: `prune` keeps it
            yield True
        finally:
            os.close(fd)

    def prune(self) -> None:
        """Lock files of sessions past any session's absolute age (those sessions are over everywhere)."""
        cutoff = time.time() - self.live.absolute - 3600
        with contextlib.suppress(OSError):
            for path in Path(self.lock_dir).glob("*.lock"):
                with contextlib.suppress(OSError):
                    if path.stat().st_mtime < cutoff:
                        path.unlink()

    def tokens_in(self, sid: str, rec: dict[str, Any] | None) -> ProviderTokens | None:
        """The provider tokens a session's record kept (None when it kept none): the record as logout ended it, so
        they can be revoked after it has ended."""
        try:
            kept = rec.get(FIELD) if rec else None
            return self._seal.open(sid, str(kept.get("sealed", "")), kept.get("expires_at")) \
                if isinstance(kept, dict) else None
        except Exception:  # an unreadable record: nothing to revoke, and never a reason for logout to fail
            _log.warning("cannot read a session's provider tokens to revoke them", exc_info=True)
            return None

    async def revoke(self, tokens: ProviderTokens) -> str:
        """Revoke tokens at the provider (at logout, after the session ended), within REVOKE_WAIT; what happened,
        in words safe to show. A failure is logged (never a token) and never raised."""
        try:
            return await asyncio.wait_for(self.oidc.revoke(tokens), REVOKE_WAIT)
        except TimeoutError:
            said = f"the identity provider did not answer the revocation within {REVOKE_WAIT:g}s"
        except Exception as exc:
            said = f"the revocation at the identity provider failed ({type(exc).__name__})"
        _log.warning("logout: %s; the console's session ended all the same", said)
        return said

    def _swap(self, sid: str, kept: Any, fresh: ProviderTokens, now: float) -> bool:
        """Keep tokens a refresh gave before the provider failed to confirm (userinfo did not answer): the
        rotated-away refresh token is worth nothing now; not a confirmation (`checked`, `answered` stay)."""
        old = kept if isinstance(kept, dict) else {}
        return self.live.update(sid, {FIELD: {**old, "sealed": self._seal.seal(sid, fresh),
                                              "expires_at": fresh.expires_at, "tried": now}})

    async def _ended_meanwhile(self, tokens: ProviderTokens) -> Standing:
        """A refresh came back after logout ended the session (logout revoked what the session held when it
        ended, not these): revoke them here, so no token the provider gave for the session outlives it."""
        await self.revoke(tokens)
        return Standing(False, False, "your session has ended; log in again")

    async def _check(self, sid: str, change: bool, arrived: float) -> Standing:
        rec = self.live.get(sid)  # read again under the locks: another request or process may have just asked
        if rec is None:
            return Standing(False, False, "your session has ended; log in again")
        kept = rec.get(FIELD)
        now = self.clock()
        if isinstance(kept, dict) and not change and not self._due(kept, now):
            return OK
        who = rec.get("who")
        if isinstance(kept, dict) and isinstance(who, dict) and float(kept.get("answered") or 0) >= arrived:
            # the provider's confirmation came in after this request arrived (another process or request asked
            # while this one waited for the lock): that answer serves this request as one asked for it while
            # another question was under way would, and asking again would only spend the refresh token anew
            return Standing(True, True, groups=tuple(str(g) for g in who.get("groups") or ()))
        tokens = self._seal.open(sid, str(kept.get("sealed", "")), kept.get("expires_at")) \
            if isinstance(kept, dict) else None
        if tokens is None:
            self.live.end(sid)
            return Standing(False, False, "this session cannot be checked with the identity provider (it keeps"
                                          " no token from it); log in again")
        subject = who.get("subject") if isinstance(who, dict) else None
        answer = await self.oidc.reconfirm(tokens, subject, now)
        fresh = answer.tokens if answer.tokens is not None and answer.tokens != tokens else None
        if answer.verdict is Verdict.CONFIRMED and answer.tokens is not None and isinstance(who, dict):
            groups = answer.groups if answer.groups is not None else tuple(who.get("groups") or ())
            if not self.keep(sid, answer.tokens, now, who={**who, "groups": list(groups)}):
                return await self._ended_meanwhile(answer.tokens)
            return Standing(True, True, groups=groups)
        if fresh is not None and (answer.verdict is Verdict.REFUSED or not self._swap(sid, kept, fresh, now)):
            # refreshed, then refused (userinfo) or the session ended meanwhile: tokens nobody keeps are revoked
            await self.revoke(fresh)
            if answer.verdict is not Verdict.REFUSED:
                return Standing(False, False, "your session has ended; log in again")
        if answer.verdict is Verdict.REFUSED:
            self.live.end(sid)
            return Standing(False, False, f"{answer.reason}: the provider no longer accepts your sign-in, so your"
                                          " session has ended and nothing was recorded; log in again")
        if fresh is None:
            self.live.update(sid, {FIELD: {**kept, "tried": now}} if isinstance(kept, dict) else {})
        return Standing(True, False, f"{answer.reason}: a decision needs the identity provider to confirm your"
                                     " sign-in first, so it was refused and nothing was recorded; reading the"
                                     " console goes on; try again when the provider answers")
