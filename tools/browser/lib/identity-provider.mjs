// A real OpenID Connect provider for the portal's sign-in test: panva's oidc-provider (a
// certified OP implementation), run as its own process (it is an ES module with its own
// dependencies). Accounts: any login; a 13-digit login is a citizen (sub = national
// identification number), any other an operator. The access token is a JWT for the services'
// audience (resource indicators), signed with the key the services under test trust.
//
// Environment: PORT, ISSUER, KEY_FILE (private Ed25519 JWK), CLIENT_ID, CLIENT_SECRET,
// REDIRECT_URI, RESOURCE, AUDIENCE, NAMES (JSON: login -> display name).
import { readFileSync } from 'node:fs';

import Provider, { errors } from 'oidc-provider';

const env = process.env;
const key = JSON.parse(readFileSync(env.KEY_FILE, 'utf8'));
const names = JSON.parse(env.NAMES ?? '{}');
const roleOf = (id) => (/^\d{13}$/.test(id) ? 'citizen' : 'operator');

const provider = new Provider(env.ISSUER, {
  clients: [
    {
      client_id: env.CLIENT_ID,
      client_secret: env.CLIENT_SECRET,
      redirect_uris: [env.REDIRECT_URI],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: 'EdDSA',
    },
  ],
  jwks: { keys: [key] },
  pkce: { required: () => true },
  claims: { openid: ['sub'], profile: ['name', 'role'] },
  // The portal reads who signed in from the ID token, not from the userinfo endpoint.
  conformIdTokenClaims: false,
  features: {
    devInteractions: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => env.RESOURCE,
      useGrantedResource: () => true,
      getResourceServerInfo: (_ctx, resource) => {
        if (resource !== env.RESOURCE) throw new errors.InvalidTarget();
        return {
          scope: 'profile',
          audience: env.AUDIENCE,
          accessTokenFormat: 'jwt',
          accessTokenTTL: 600,
          jwt: { sign: { alg: 'EdDSA' } },
        };
      },
    },
  },
  extraTokenClaims: (_ctx, token) =>
    token.accountId === undefined ? undefined : { role: roleOf(token.accountId) },
  findAccount: (_ctx, id) => ({
    accountId: id,
    claims: () => ({ sub: id, name: names[id] ?? id, role: roleOf(id) }),
  }),
});

provider.listen(Number(env.PORT), '127.0.0.1', () => {
  process.stdout.write(`identity provider listening on ${env.ISSUER}\n`);
});
