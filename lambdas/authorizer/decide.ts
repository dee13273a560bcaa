import { IDENTITY_HEADERS, isGuarded } from '../../config/identity-sources';
import { serverForRoute } from '../../config/routes';
import { AUTH_MODES, type AuthMode, type ResolvedServer } from '../../config/types';
import { isExpired, isWellFormedApiKey } from '../keys/key-format';
import type { KeyRecord } from '../keys/key-store';
import type { AuthorizerRequest } from './event';

export type DenyReason =
  | 'unknown-route'
  | 'missing-key'
  | 'malformed-key'
  | 'missing-authorization'
  | 'unknown-key'
  | 'revoked-key'
  | 'expired-key'
  | 'key-server-not-configured';

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

/**
 * Checks that need no I/O: the route's server and the identity headers its mode needs.
 * Returns a denial, or the target server and the key to look up. A malformed key never
 * reaches the key store.
 */
export function precheck(
  request: AuthorizerRequest,
  servers: readonly ResolvedServer[],
): { readonly denied: Denial } | { readonly target: ResolvedServer; readonly apiKey: string } {
  const target = serverForRoute(servers, request.routePath);
  if (!target) return { denied: { effect: 'unauthorized', reason: 'unknown-route' } };
  if (request.apiKey === undefined) return { denied: { effect: 'unauthorized', reason: 'missing-key' } };
  if (!isWellFormedApiKey(request.apiKey)) return { denied: { effect: 'unauthorized', reason: 'malformed-key' } };
  if (NEEDS_AUTHORIZATION[target.authMode] && !request.hasAuthorization) {
    return { denied: { effect: 'unauthorized', reason: 'missing-authorization' } };
  }
  return { target, apiKey: request.apiKey };
}

/**
 * The decision for a looked-up key on a route of `target`, whose identity headers precheck
 * has seen. A valid key gets an Allow naming its own server: that policy covers only its own
 * server's routes, so a key used on another server's route ends in API Gateway's 403. The one
 * exception is a key whose own server needs an `Authorization` this request did not carry: no
 * Allow is ever made for such a server without one, so that key gets an explicit Deny, which
 * is 403 as well. Either way a valid key on another server's route is 403, whatever the modes.
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
  if (crossServer && NEEDS_AUTHORIZATION[server.authMode] && !hasAuthorization) {
    return { effect: 'forbidden', reason: 'key-of-other-server', server, keyId };
  }
  return { effect: 'allow', server, keyId, crossServer };
}
