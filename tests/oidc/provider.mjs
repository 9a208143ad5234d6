// A real OpenID provider (the npm package oidc-provider) for the console's browser tests, on loopback only.
// Usage: node provider.mjs PORT CLIENT_ID REDIRECT_URI ACCOUNTS_JSON   (client secret in $OIDC_CLIENT_SECRET)
// ACCOUNTS_JSON maps a login to its claims: {"rita": {"preferred_username": "rita", "groups": ["release"]}}.
// Its development login form accepts any password; the login typed is the subject. PKCE is required.
import Provider from "oidc-provider";

const [port, clientId, redirectUri, accountsJson] = process.argv.slice(2);
const accounts = JSON.parse(accountsJson);
const issuer = `http://127.0.0.1:${port}`;

const provider = new Provider(issuer, {
  clients: [{
    client_id: clientId,
    client_secret: process.env.OIDC_CLIENT_SECRET,
    redirect_uris: [redirectUri],
    grant_types: ["authorization_code"],
    response_types: ["code"],
  }],
  pkce: { required: () => true },
  scopes: ["openid", "profile", "groups"],
  claims: { openid: ["sub"], profile: ["name", "preferred_username"], groups: ["groups"] },
  conformIdTokenClaims: false,
  cookies: { keys: ["golive-test-oidc-cookie-key"] },
  features: { devInteractions: { enabled: true } },
  async findAccount(ctx, id) {
    const claims = accounts[id] || { preferred_username: id, groups: [] };
    return { accountId: id, async claims() { return { sub: id, name: id, ...claims }; } };
  },
  // A first-party client: no consent screen, the grant covers what the console asks for.
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId,
                                                accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope("openid profile groups");
    grant.addOIDCClaims(["preferred_username", "name", "groups"]);
    await grant.save();
    return grant;
  },
});
provider.listen(Number(port), "127.0.0.1", () => {
  console.log(`oidc-provider ready at ${issuer}`);
});
