// A real OpenID provider (the npm package oidc-provider) for the console's browser tests, on loopback only.
// Usage: node provider.mjs PORT CLIENT_ID REDIRECT_URI ACCOUNTS_JSON   (client secret in $OIDC_CLIENT_SECRET)
// ACCOUNTS_JSON maps a login to its claims: {"rita": {"preferred_username": "rita", "groups": ["release"]}}.
// Its development login form accepts any password; the login typed is the subject. PKCE is required.
// It issues refresh tokens. What an administrator does at a real provider, tests do over loopback:
//   POST /test/disable/LOGIN  the account is gone (the refresh grant and userinfo now refuse it)
//   POST /test/revoke/LOGIN   the account's grants are revoked with every token issued under them
//   POST /test/groups/LOGIN?set=a,b   the account's groups are now these
//   POST /test/no-refresh/LOGIN       its next logins get no refresh token (as from a provider without offline access)
//   GET  /test/issued         every token value the token endpoint has handed out (tests grep output for them)
//   POST /test/barrier?n=2    the next token requests wait until n have arrived (or 5 s passed), then go through
//                             one after another, as a provider's database takes them (tests of concurrent refresh)
//   GET  /test/token-calls    how many token requests arrived since the barrier was set
//   POST /test/hold-revocation   revocation requests wait until /test/release-revocation (or 30 s): a slow provider
//   GET  /test/revocations-held  how many revocation requests are waiting now
//   POST /test/hold-token-answers   token requests are served, their answers then held until
//                                   /test/release-token-answers (or 30 s): a refresh under way, already granted
//   GET  /test/token-answers-held   how many token answers are held now
// With OIDC_REVOKE_TOKEN_ONLY=1 revoking a token revokes that token alone, not every token of its grant (as many
// providers do; oidc-provider itself always revokes the grant's tokens, so this provider answers those itself).
// With OIDC_ROTATE=1 every refresh rotates the refresh token (each is good once; presenting a used one is refused
// and revokes its grant, as oidc-provider does). The revocation endpoint (RFC 7009) is on.
import Provider from "oidc-provider";

const [port, clientId, redirectUri, accountsJson] = process.argv.slice(2);
const accounts = JSON.parse(accountsJson);
const issuer = `http://127.0.0.1:${port}`;
const disabled = new Set();
const noRefresh = new Set();
const grantsOf = new Map();  // account -> grant ids made for it
const issued = [];
let barrier = null;  // {n, waiting: [resolve], calls, chain}
let revocationHold = null;  // {waiting: [resolve]} while revocations are held
let tokenAnswerHold = null;  // {waiting: [resolve]} while token answers are held

const provider = new Provider(issuer, {
  clients: [{
    client_id: clientId,
    client_secret: process.env.OIDC_CLIENT_SECRET,
    redirect_uris: [redirectUri],
    grant_types: ["authorization_code", "refresh_token"],
    response_types: ["code"],
  }],
  pkce: { required: () => true },
  scopes: ["openid", "profile", "groups"],
  claims: { openid: ["sub"], profile: ["name", "preferred_username"], groups: ["groups"] },
  conformIdTokenClaims: false,
  cookies: { keys: ["golive-test-oidc-cookie-key"] },
  features: { devInteractions: { enabled: true }, revocation: { enabled: true } },
  ...(process.env.OIDC_ROTATE === "1" ? { rotateRefreshToken: () => true } : {}),
  async issueRefreshToken(ctx, client, code) {
    return client.grantTypeAllowed("refresh_token") && !noRefresh.has(code.accountId);
  },
  async findAccount(ctx, id) {
    if (disabled.has(id)) return undefined;
    const claims = accounts[id] || { preferred_username: id, groups: [] };
    return { accountId: id, async claims() { return { sub: id, name: id, ...claims }; } };
  },
  // A first-party client: no consent screen, the grant covers what the console asks for.
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    const accountId = ctx.oidc.session.accountId;
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId });
    grant.addOIDCScope("openid profile groups");
    grant.addOIDCClaims(["preferred_username", "name", "groups"]);
    const saved = await grant.save();
    grantsOf.set(accountId, [...(grantsOf.get(accountId) || []), saved]);
    return grant;
  },
});
provider.use(async (ctx, next) => {
  const admin = ctx.path.match(/^\/test\/(disable|revoke|groups|no-refresh)\/([^/]+)$/);
  if (admin && ctx.method === "POST") {
    const [, what, login] = admin;
    if (what === "disable") {
      disabled.add(login);
    } else if (what === "no-refresh") {
      noRefresh.add(login);
    } else if (what === "groups") {
      const groups = String(ctx.query.set || "").split(",").filter(Boolean);
      accounts[login] = { ...(accounts[login] || { preferred_username: login }), groups };
    } else {
      for (const grantId of grantsOf.get(login) || []) {
        await provider.RefreshToken.revokeByGrantId(grantId);  // every token of the grant, as an admin's "sign out"
        const grant = await provider.Grant.find(grantId);
        if (grant) await grant.destroy();
      }
      grantsOf.delete(login);
    }
    ctx.status = 204;
    return;
  }
  if (ctx.path === "/test/issued" && ctx.method === "GET") {
    ctx.body = issued;
    return;
  }
  if (ctx.path === "/test/barrier" && ctx.method === "POST") {
    barrier = { n: Number(ctx.query.n || 2), waiting: [], calls: 0, chain: Promise.resolve() };
    ctx.status = 204;
    return;
  }
  if (ctx.path === "/test/token-calls" && ctx.method === "GET") {
    ctx.body = { calls: barrier ? barrier.calls : 0 };
    return;
  }
  if (ctx.path === "/test/hold-revocation" && ctx.method === "POST") {
    revocationHold = { waiting: [] };
    ctx.status = 204;
    return;
  }
  if (ctx.path === "/test/release-revocation" && ctx.method === "POST") {
    if (revocationHold) revocationHold.waiting.forEach((r) => r());
    revocationHold = null;
    ctx.status = 204;
    return;
  }
  if (ctx.path === "/test/hold-token-answers" && ctx.method === "POST") {
    tokenAnswerHold = { waiting: [] };
    ctx.status = 204;
    return;
  }
  if (ctx.path === "/test/release-token-answers" && ctx.method === "POST") {
    if (tokenAnswerHold) tokenAnswerHold.waiting.forEach((r) => r());
    tokenAnswerHold = null;
    ctx.status = 204;
    return;
  }
  if (ctx.path === "/test/token-answers-held" && ctx.method === "GET") {
    ctx.body = { held: tokenAnswerHold ? tokenAnswerHold.waiting.length : 0 };
    return;
  }
  if (ctx.path === "/test/revocations-held" && ctx.method === "GET") {
    ctx.body = { held: revocationHold ? revocationHold.waiting.length : 0 };
    return;
  }
  if (revocationHold && ctx.path === "/token/revocation" && ctx.method === "POST") {
    const h = revocationHold;
    await new Promise((resolve) => { h.waiting.push(resolve); setTimeout(resolve, 30000); });
  }
  if (process.env.OIDC_REVOKE_TOKEN_ONLY === "1" && ctx.path === "/token/revocation" && ctx.method === "POST") {
    const raw = await new Promise((resolve) => {
      let text = "";
      ctx.req.on("data", (chunk) => { text += chunk; });
      ctx.req.on("end", () => resolve(text));
    });
    const value = new URLSearchParams(raw).get("token") || "";
    const found = (await provider.RefreshToken.find(value)) || (await provider.AccessToken.find(value));
    if (found) await found.destroy();
    ctx.status = 200;
    ctx.body = "";
    return;
  }
  if (barrier && ctx.path === "/token" && ctx.method === "POST") {
    const b = barrier;
    b.calls += 1;
    const open = new Promise((resolve) => {
      b.waiting.push(resolve);
      if (b.waiting.length >= b.n) b.waiting.forEach((r) => r());
      setTimeout(resolve, 5000);
    });
    await open;
    const turn = b.chain.then(() => next());
    b.chain = turn.catch(() => {});
    await turn;
  } else {
    await next();
  }
  if (ctx.path === "/token" && ctx.body && typeof ctx.body === "object") {
    for (const k of ["access_token", "refresh_token", "id_token"]) if (ctx.body[k]) issued.push(ctx.body[k]);
    if (tokenAnswerHold) {
      const h = tokenAnswerHold;
      await new Promise((resolve) => { h.waiting.push(resolve); setTimeout(resolve, 30000); });
    }
  }
});
provider.listen(Number(port), "127.0.0.1", () => {
  console.log(`oidc-provider ready at ${issuer}`);
});
