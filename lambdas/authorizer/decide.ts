import { IDENTITY_HEADERS, isGuarded } from '../../config/identity-sources';
import { serverForRoute } from '../../config/routes';
import { AUTH_MODES, type AuthMode, type ResolvedServer } from '../../config/types';
import { isExpired, isWellFormedApiKey, KEY_PREFIX } from '../keys/key-format';
import type { KeyRecord } from '../keys/key-store';
import type { AccessTokenItem } from '../oauth/grants-schema';
import type { AuthorizerRequest } from './event';

export type DenyReason =
  | 'unknown-route'
  | 'missing-key'
  | 'malformed-key'
  | 'missing-authorization'
  | 'unknown-key'
  | 'revoked-key'
  | 'expired-key'
  | 'key-server-not-configured'
  | 'malformed-authorization'
  | 'malformed-token'
  | 'tokens-not-configured'
  | 'unknown-token'
  | 'expired-token'
  | 'token-server-not-configured'
  | 'stage-server-not-oauth';

export type Decision =
  | { readonly effect: 'allow'; readonly server: ResolvedServer; readonly keyId: string; readonly crossServer: boolean }
  | {
      readonly effect: 'forbidden';
      readonly reason: 'key-of-other-server';
      readonly server: ResolvedServer;
      readonly keyId: string;
    }
  | { readonly effect: 'unauthorized'; readonly reason: DenyReason; readonly keyId?: string };

export type Denial = Extract<Decision, { readonly effect: 'unauthorized' }>;

/**
 * Per mode, whether its identity sources include Authorization. The key itself is always
 * needed: it is what the authorizer looks up.
 */
const NEEDS_AUTHORIZATION = Object.fromEntries(
  AUTH_MODES.map((mode) => [mode, IDENTITY_HEADERS[mode].some((header) => header.toLowerCase() === 'authorization')]),
) as Readonly<Record<AuthMode, boolean>>;

/** Per mode, the header its key is read from: `x-api-key`, or `Authorization` (as a bearer) where that is the only one. */
const KEY_HEADER = Object.fromEntries(
  AUTH_MODES.map((mode) => [
    mode,
    IDENTITY_HEADERS[mode].find((header) => header.toLowerCase() === 'x-api-key') ?? 'Authorization',
  ]),
) as Readonly<Record<AuthMode, string>>;

/** What precheck lets through: the key to look up, or (on an `oauth` server's route) a bearer token. */
export type Checked =
  | { readonly target: ResolvedServer; readonly apiKey: string }
  | { readonly target: ResolvedServer; readonly token: string };

/**
 * Checks that need no I/O: the route's server and the identity headers its mode needs.
 * Returns a denial, or the target server and the credential to look up. A malformed key or
 * token never reaches a store.
 */
export function precheck(
  request: AuthorizerRequest,
  servers: readonly ResolvedServer[],
): { readonly denied: Denial } | Checked {
  if (request.stageServer !== undefined) {
    // An `oauth` server's own API: the stage names the server, the route is `/`.
    const staged = servers.find((server) => server.name === request.stageServer);
    if (staged?.authMode !== 'oauth') return { denied: { effect: 'unauthorized', reason: 'stage-server-not-oauth' } };
    return precheckBearer(staged, request.authorization);
  }
  const target = serverForRoute(servers, request.routePath);
  if (!target) return { denied: { effect: 'unauthorized', reason: 'unknown-route' } };
  if (target.authMode === 'oauth') return precheckBearer(target, request.authorization);
  if (request.apiKey === undefined) return { denied: { effect: 'unauthorized', reason: 'missing-key' } };
  if (!isWellFormedApiKey(request.apiKey)) return { denied: { effect: 'unauthorized', reason: 'malformed-key' } };
  if (NEEDS_AUTHORIZATION[target.authMode] && !request.hasAuthorization) {
    return { denied: { effect: 'unauthorized', reason: 'missing-authorization' } };
  }
  return { target, apiKey: request.apiKey };
}

/** `Bearer <credential>`, the scheme in any case (RFC 9110 §11.1). */
const BEARER = /^bearer[ \t]+(\S+)$/i;
/** RFC 6750's b64token, bounded: the authorization server's tokens are far shorter. */
const TOKEN_SHAPE = /^[A-Za-z0-9._~+/-]{16,512}=*$/;

/**
 * An `oauth` server's route takes one credential, `Authorization: Bearer …`: an API key of
 * the server (then exactly the key path) or an access token. `x-api-key` is not read there.
 */
function precheckBearer(
  target: ResolvedServer,
  authorization: string | undefined,
): { readonly denied: Denial } | Checked {
  if (authorization === undefined) return { denied: { effect: 'unauthorized', reason: 'missing-authorization' } };
  const credential = BEARER.exec(authorization)?.[1];
  if (credential === undefined) return { denied: { effect: 'unauthorized', reason: 'malformed-authorization' } };
  if (credential.startsWith(KEY_PREFIX)) {
    return isWellFormedApiKey(credential)
      ? { target, apiKey: credential }
      : { denied: { effect: 'unauthorized', reason: 'malformed-key' } };
  }
  if (!TOKEN_SHAPE.test(credential)) return { denied: { effect: 'unauthorized', reason: 'malformed-token' } };
  return { target, token: credential };
}

/**
 * The decision for a looked-up key on a route of `target`, whose identity headers precheck
 * has seen. A valid key gets an Allow naming its own server: API Gateway caches that answer
 * per authorizer and identity values, and the policy covers only the key's own server's routes,
 * so it is right for every route, and a key used on another server's route ends in 403. Unless
 * the request did not present the key as its own server reads it (an `apiKey` server's key as
 * an `oauth` server's bearer, a `bearerPassthrough` key without its `Authorization`): then it
 * gets an explicit Deny, also 403, so no Allow for a server is ever made from credentials that
 * server would refuse. Either way a valid key on another server's route is 403.
 */
export function decide(
  target: ResolvedServer,
  record: KeyRecord | undefined,
  servers: readonly ResolvedServer[],
  nowSeconds: number,
  hasAuthorization: boolean,
): Decision {
  if (!record) return { effect: 'unauthorized', reason: 'unknown-key' };
  const keyId = record.keyId;
  if (record.status !== 'active') return { effect: 'unauthorized', reason: 'revoked-key', keyId };
  if (isExpired(record, nowSeconds)) return { effect: 'unauthorized', reason: 'expired-key', keyId };
  const server = servers.find((s) => s.name === record.server && isGuarded(s.authMode));
  if (!server) return { effect: 'unauthorized', reason: 'key-server-not-configured', keyId };
  const crossServer = server.name !== target.name;
  const presentedAsItsOwn =
    KEY_HEADER[server.authMode] === KEY_HEADER[target.authMode] &&
    (!NEEDS_AUTHORIZATION[server.authMode] || hasAuthorization);
  if (crossServer && !presentedAsItsOwn) {
    return { effect: 'forbidden', reason: 'key-of-other-server', server, keyId };
  }
  return { effect: 'allow', server, keyId, crossServer };
}

/**
 * The first half of a token's decision: the token must exist, be unexpired (DynamoDB's TTL
 * deletes lazily, so the expiry is compared here) and name a configured `oauth` server.
 */
export function checkToken(
  token: AccessTokenItem | undefined,
  servers: readonly ResolvedServer[],
  nowSeconds: number,
): Denial | { readonly server: ResolvedServer; readonly keyId: string } {
  if (!token) return { effect: 'unauthorized', reason: 'unknown-token' };
  const keyId = token.keyId;
  if (!(token.expiresAt > nowSeconds)) return { effect: 'unauthorized', reason: 'expired-token', keyId };
  const server = servers.find((s) => s.name === token.server && s.authMode === 'oauth');
  if (!server) return { effect: 'unauthorized', reason: 'token-server-not-configured', keyId };
  return { server, keyId };
}

/**
 * The second half: the key behind the token must still be active, unexpired and of the
 * token's server, so revoking or rotating a key ends its tokens. Then the token is treated as
 * its key: an Allow for its own server, which is 403 on another server's route.
 */
export function decideTokenKey(
  target: ResolvedServer,
  server: ResolvedServer,
  keyId: string,
  key: KeyRecord | undefined,
  nowSeconds: number,
): Decision {
  if (!key || key.keyId !== keyId || key.status !== 'active' || key.server !== server.name) {
    return { effect: 'unauthorized', reason: 'revoked-key', keyId };
  }
  if (isExpired(key, nowSeconds)) return { effect: 'unauthorized', reason: 'expired-key', keyId };
  return { effect: 'allow', server, keyId, crossServer: server.name !== target.name };
}
