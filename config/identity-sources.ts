import type { AuthMode } from './types';

/** The modes in which an authorizer runs. */
export type GuardedAuthMode = Exclude<AuthMode, 'none'>;

/**
 * The request headers each mode needs before the authorizer runs: API Gateway's identity
 * sources (a request without one of them gets 401 and the authorizer is never invoked, and
 * its result cache is keyed by their values), the local gateway's emulation of that, and the
 * authorizer's own precheck all read this one list.
 */
export const IDENTITY_HEADERS: Readonly<Record<AuthMode, readonly string[]>> = {
  none: [],
  apiKey: ['x-api-key'],
  bearerPassthrough: ['x-api-key', 'Authorization'],
  // An OAuth access token of this server, or one of its API keys, as `Authorization: Bearer …`.
  oauth: ['Authorization'],
};

/** Whether a server in this mode is guarded by the authorizer. */
export function isGuarded(mode: AuthMode): mode is GuardedAuthMode {
  return IDENTITY_HEADERS[mode].length > 0;
}
