import type { ResolvedServer } from '../../config/types';
import { isWellFormedApiKey } from '../keys/key-format';
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
  | { readonly effect: 'unauthorized'; readonly reason: DenyReason; readonly keyId?: string };

export type Denial = Extract<Decision, { readonly effect: 'unauthorized' }>;

/** The server whose routes include `routePath`, or undefined. */
export function serverForRoute(
  servers: readonly ResolvedServer[],
  routePath: string | undefined,
): ResolvedServer | undefined {
  if (routePath === undefined) return undefined;
  return servers.find((server) => server.routes.includes(routePath));
}

/**
 * Checks that need no I/O. Returns a denial, or the target server and the key to look up.
 * A malformed key never reaches the key store.
 */
export function precheck(
  request: AuthorizerRequest,
  servers: readonly ResolvedServer[],
): { readonly denied: Denial } | { readonly target: ResolvedServer; readonly apiKey: string } {
  const target = serverForRoute(servers, request.routePath);
  if (!target) return { denied: { effect: 'unauthorized', reason: 'unknown-route' } };
  if (request.apiKey === undefined) return { denied: { effect: 'unauthorized', reason: 'missing-key' } };
  if (!isWellFormedApiKey(request.apiKey)) return { denied: { effect: 'unauthorized', reason: 'malformed-key' } };
  if (target.authMode === 'bearerPassthrough' && !request.hasAuthorization) {
    return { denied: { effect: 'unauthorized', reason: 'missing-authorization' } };
  }
  return { target, apiKey: request.apiKey };
}

/**
 * The decision for a looked-up key. An Allow names the key's own server: its policy covers
 * only that server's routes, so a key used on another server ends in API Gateway's 403.
 */
export function decide(
  target: ResolvedServer,
  record: KeyRecord | undefined,
  hasAuthorization: boolean,
  servers: readonly ResolvedServer[],
  nowSeconds: number,
): Decision {
  if (!record) return { effect: 'unauthorized', reason: 'unknown-key' };
  const keyId = record.keyId;
  if (record.status !== 'active') return { effect: 'unauthorized', reason: 'revoked-key', keyId };
  if (record.expiresAt !== undefined && record.expiresAt <= nowSeconds) {
    return { effect: 'unauthorized', reason: 'expired-key', keyId };
  }
  const server = servers.find((s) => s.name === record.server && s.authMode !== 'none');
  if (!server) return { effect: 'unauthorized', reason: 'key-server-not-configured', keyId };
  if (server.authMode === 'bearerPassthrough' && !hasAuthorization) {
    return { effect: 'unauthorized', reason: 'missing-authorization', keyId };
  }
  return { effect: 'allow', server, keyId, crossServer: server.name !== target.name };
}
