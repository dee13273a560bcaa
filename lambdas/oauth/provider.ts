import { generateKeyPairSync, randomUUID } from 'node:crypto';
import Provider, { errors, type AdapterConstructor, type KoaContextWithOIDC, type ErrorOut } from 'oidc-provider';
import { OAUTH_PATHS, OAUTH_SCOPE } from '../../config/oauth';
import type { ResolvedServer } from '../../config/types';
import { isExpired } from '../keys/key-format';
import type { KeyStore } from '../keys/key-store';
import { describeError, type Logger } from '../shared/logger';
import { clientSecretMatches } from './grants-adapter';
import { OAUTH_TTL } from './lifetimes';
import { renderErrorPage } from './pages';
import { oauthServerForResource } from './resources';

export interface ProviderOptions {
  readonly issuer: string;
  readonly servers: readonly ResolvedServer[];
  readonly Adapter: AdapterConstructor;
  readonly keyStore: KeyStore;
  readonly cookieKeys: readonly string[];
  readonly logger: Logger;
  /** Milliseconds since the epoch. */
  readonly clock: () => number;
}

const prefix = OAUTH_PATHS.endpointPrefix;
const { Client: _client, ...libraryTtl } = OAUTH_TTL;

/** Where each endpoint lives: everything under `/oauth`, so one gateway route serves the authorization server. */
export const OAUTH_ROUTES = {
  authorization: `${prefix}/authorize`,
  token: `${prefix}/token`,
  registration: `${prefix}/register`,
  revocation: `${prefix}/revoke`,
  jwks: `${prefix}/jwks`,
  introspection: `${prefix}/introspect`,
  end_session: `${prefix}/logout`,
  userinfo: `${prefix}/userinfo`,
  pushed_authorization_request: `${prefix}/par`,
  code_verification: `${prefix}/device`,
  device_authorization: `${prefix}/device/auth`,
  backchannel_authentication: `${prefix}/backchannel`,
  challenge: `${prefix}/challenge`,
  credential: `${prefix}/credential`,
} as const;

/** The consent page of one authorization request. */
export function interactionPath(uid: string): string {
  return `${prefix}/interaction/${uid}`;
}

/**
 * The OAuth 2.1 authorization server as an oidc-provider configuration: authorization code
 * with PKCE S256 only; open dynamic client registration and client ID metadata documents;
 * RFC 8707 resource indicators, one opaque access token per `oauth` server; rotating refresh
 * tokens with reuse detection. The account is the API key (its key id) a person entered on the
 * consent page; it is checked again on every code and refresh exchange.
 */
export function buildProvider(options: ProviderOptions): Provider {
  const { issuer, servers, keyStore, logger, clock } = options;
  const provider = new Provider(issuer, {
    adapter: options.Adapter,
    // No JWT is ever issued (tokens are opaque and `openid` is never granted), but the library
    // wants a signing key: one made per container is enough.
    jwks: { keys: [signingKey()] },
    cookies: { keys: [...options.cookieKeys] },
    routes: OAUTH_ROUTES,
    clientDefaults: {
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
      id_token_signed_response_alg: 'ES256',
    },
    responseTypes: ['code'],
    // oidc-provider 9 knows only S256.
    pkce: { required: () => true },
    scopes: [OAUTH_SCOPE],
    clientAuthMethods: ['none', 'client_secret_basic', 'client_secret_post'],
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: { enabled: false },
      pushedAuthorizationRequests: { enabled: false },
      userinfo: { enabled: false },
      introspection: { enabled: false },
      registration: { enabled: true, issueRegistrationAccessToken: false },
      revocation: { enabled: true },
      clientIdMetadataDocument: {
        enabled: true,
        ack: 'draft-02',
        // The library fetches https URLs only, refuses special-use addresses and redirects, and
        // caps the document's size and the time it may take.
        allowFetch: async () => true,
      },
      resourceIndicators: {
        enabled: true,
        defaultResource: (ctx: KoaContextWithOIDC) => {
          // MCP clients must name the server; at the token endpoint the grant's resource applies.
          if (ctx.oidc.route === 'authorization') throw new errors.InvalidTarget('the resource parameter is required');
          return undefined;
        },
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx: KoaContextWithOIDC, resource: string) => {
          if (!oauthServerForResource(servers, issuer, resource)) {
            throw new errors.InvalidTarget('the resource is not an MCP server of this gateway that uses OAuth');
          }
          return {
            scope: OAUTH_SCOPE,
            audience: resource,
            accessTokenFormat: 'opaque',
            accessTokenTTL: OAUTH_TTL.AccessToken,
          };
        },
      },
    },
    rotateRefreshToken: true,
    // Without this, codes and tokens die with the short browser session of the consent page.
    expiresWithSession: async () => false,
    issueRefreshToken: async (_ctx: KoaContextWithOIDC, client: { grantTypeAllowed(type: string): boolean }) =>
      client.grantTypeAllowed('refresh_token'),
    // Every authorization asks for a key: a grant is never reused from the browser session.
    loadExistingGrant: async (ctx: KoaContextWithOIDC & { oidc: { result?: { consent?: { grantId?: string } } } }) => {
      const grantId = ctx.oidc.result?.consent?.grantId;
      return grantId ? provider.Grant.find(grantId) : undefined;
    },
    // Browser clients call the token and registration endpoints across origins.
    clientBasedCORS: (_ctx: KoaContextWithOIDC, origin: string, client: { redirectUris: readonly string[] }) =>
      client.redirectUris.some((uri) => {
        try {
          return new URL(uri).origin === origin;
        } catch {
          return false;
        }
      }),
    // The library's own lifetimes; a client's is applied where it is stored (grants-adapter.ts).
    ttl: libraryTtl,
    // The account is a key id; a key revoked, expired or gone ends its refreshes.
    findAccount: async (_ctx: KoaContextWithOIDC, keyId: string) => {
      const record = await keyStore.getByKeyId(keyId);
      if (!record || record.status !== 'active' || isExpired(record, Math.floor(clock() / 1000))) return undefined;
      return { accountId: keyId, claims: async () => ({ sub: keyId }) };
    },
    interactions: {
      url: (_ctx: KoaContextWithOIDC, interaction: { uid: string }) => `${issuer}${interactionPath(interaction.uid)}`,
    },
    renderError: async (ctx: KoaContextWithOIDC, out: ErrorOut) => {
      const page = renderErrorPage(out.error, out.error_description);
      for (const [name, value] of Object.entries(page.headers)) ctx.set(name, value);
      ctx.body = page.body;
    },
  });
  // Koa would print a failure's stack to the console; the event below logs it without request data.
  provider.silent = true;
  provider.on('server_error', (_ctx, error) => logger.error('oauth server error', describeError(error)));
  // MCP asks for one scope; a client that names none, or others, gets `mcp` (RFC 6749 §3.3).
  provider.use(async (ctx, next) => {
    if (ctx.method === 'GET' && ctx.path === OAUTH_ROUTES.authorization)
      ctx.query = { ...ctx.query, scope: OAUTH_SCOPE };
    await next();
  });
  // Client secrets are stored as hashes (see the adapter); compare against the hash.
  provider.Client.prototype.compareClientSecret = function compareClientSecret(
    this: { clientSecret?: string },
    actual: string,
  ) {
    return clientSecretMatches(this.clientSecret, actual);
  };
  return provider;
}

function signingKey(): Record<string, unknown> {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { ...privateKey.export({ format: 'jwk' }), kid: randomUUID(), use: 'sig', alg: 'ES256' };
}
