/**
 * OAuth 2.0 client credentials (RFC 6749 §4.4) for outbound calls: tokens kept per container
 * by (token URL, client id, scopes, audience) until shortly before they expire, one token
 * request in flight per key, and a way to drop a token the API refused.
 */
import { McpGateError } from '../../shared/errors';
import { SHARED_READ_TIMEOUT_MS, untilAborted } from '../../shared/abort';

/** A token is renewed this long before its `expires_in` runs out. */
export const TOKEN_RENEW_MARGIN_MS = 60_000;
/** Lifetime assumed when the token endpoint sends no `expires_in` (it is only RECOMMENDED). */
export const DEFAULT_TOKEN_LIFETIME_MS = 300_000;

/** The token endpoint refused or failed. The message holds the status and OAuth error code only. */
export class ClientCredentialsError extends McpGateError {}

export interface ClientCredentialsRequest {
  readonly tokenUrl: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly scopes?: readonly string[];
  readonly audience?: string;
}

export interface TokenCache {
  /** A valid access token, fetched when none is kept. */
  token(request: ClientCredentialsRequest, signal?: AbortSignal): Promise<string>;
  /** Forgets `token` (the API answered 401 to it); a newer token is kept. */
  drop(request: ClientCredentialsRequest, token: string): void;
}

export function createTokenCache(
  options: { readonly fetch?: typeof fetch; readonly clock?: () => number } = {},
): TokenCache {
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const clock = options.clock ?? Date.now;
  const tokens = new Map<string, { readonly token: string; readonly renewAt: number }>();
  const pending = new Map<string, Promise<string>>();
  const keyOf = (request: ClientCredentialsRequest): string =>
    JSON.stringify([request.tokenUrl, request.clientId, [...(request.scopes ?? [])].sort(), request.audience ?? null]);

  const fetchToken = async (request: ClientCredentialsRequest, signal?: AbortSignal): Promise<string> => {
    const form = new URLSearchParams({ grant_type: 'client_credentials' });
    if (request.scopes && request.scopes.length > 0) form.set('scope', request.scopes.join(' '));
    if (request.audience !== undefined) form.set('audience', request.audience);
    // client_secret_basic: both parts form-encoded first (RFC 6749 §2.3.1).
    const basic = Buffer.from(
      `${encodeURIComponent(request.clientId)}:${encodeURIComponent(request.clientSecret)}`,
    ).toString('base64');
    let response: Response;
    try {
      response = await fetchImpl(request.tokenUrl, {
        method: 'POST',
        headers: {
          authorization: `Basic ${basic}`,
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
        },
        body: form.toString(),
        redirect: 'error',
        signal,
      });
    } catch (error) {
      if (signal?.aborted) throw error;
      throw new ClientCredentialsError(`token endpoint ${new URL(request.tokenUrl).origin} could not be reached`, {
        cause: error,
      });
    }
    let body: { access_token?: unknown; expires_in?: unknown; error?: unknown } = {};
    try {
      body = (await response.json()) as typeof body;
    } catch {
      // reported below
    }
    if (!response.ok || typeof body.access_token !== 'string' || body.access_token === '') {
      const code = typeof body.error === 'string' && /^[\w.-]{1,64}$/.test(body.error) ? ` (${body.error})` : '';
      throw new ClientCredentialsError(`token endpoint answered ${response.status}${code}`);
    }
    const lifetimeMs =
      typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in * 1000 : DEFAULT_TOKEN_LIFETIME_MS;
    // A token shorter-lived than the margin is still used once rather than never.
    const renewAt = clock() + Math.max(lifetimeMs - TOKEN_RENEW_MARGIN_MS, Math.min(lifetimeMs, 1000) / 2);
    tokens.set(keyOf(request), { token: body.access_token, renewAt });
    return body.access_token;
  };

  return {
    token: async (request, signal) => {
      const key = keyOf(request);
      const kept = tokens.get(key);
      if (kept && kept.renewAt > clock()) return kept.token;
      let fetching = pending.get(key);
      if (!fetching) {
        // Shared by every caller that comes meanwhile: bounded by its own timeout, not by the
        // first caller's signal, so one cancelled call does not fail the others.
        fetching = fetchToken(request, AbortSignal.timeout(SHARED_READ_TIMEOUT_MS)).finally(() => pending.delete(key));
        pending.set(key, fetching);
      }
      return untilAborted(fetching, signal);
    },
    drop: (request, token) => {
      const key = keyOf(request);
      if (tokens.get(key)?.token === token) tokens.delete(key);
    },
  };
}
