/**
 * Outbound auth at call time: adds a tool's credential to its downstream request. Built once
 * per tool per container; secrets and tokens are read through the container's caches.
 */
import { credentialUrlProblem } from '../../../config/outbound-auth';
import type { OutboundAuth, SecretRef } from '../../../config/types';
import { signedHeaders } from '../../shared/aws-sign';
import { McpGateError } from '../../shared/errors';
import { resolveConfigValue, type Env } from '../config-values';
import type { SecretSource } from '../secrets';
import type { ClientCredentialsRequest, TokenCache } from './client-credentials';

/** The credential could not be added (no AWS credentials, bad configuration value). */
export class OutboundAuthError extends McpGateError {}

export interface OutboundRequest {
  readonly url: URL;
  readonly method: string;
  readonly headers: Headers;
  readonly body: string | undefined;
  /** The credential values the request carries: a tool result or error shows none of them. */
  readonly secrets?: readonly string[];
}

export interface Authenticator {
  /** Whether the caller's `Authorization` may be forwarded (passthrough rules still apply). */
  readonly forwardsCallerAuthorization: boolean;
  /** The request with the credential added (an API key in the query changes the URL). */
  apply(request: OutboundRequest, signal?: AbortSignal): Promise<OutboundRequest>;
  /** Set when a 401 may mean a stale credential: forgets it, so one retry gets a fresh one. */
  readonly renew?: () => void;
}

export interface OutboundAuthDeps {
  readonly secrets: SecretSource;
  readonly tokens: TokenCache;
  /** Where `{ env }` values, the region and the role's credentials (sigv4) are read. */
  readonly env: Env;
  /** Epoch milliseconds, for the SigV4 signing time. @default Date.now */
  readonly clock?: () => number;
}

/** The authenticator for `auth`; undefined auth forwards as the server's mode says (today's rule). */
export function createAuthenticator(auth: OutboundAuth | undefined, deps: OutboundAuthDeps): Authenticator {
  const read = (ref: SecretRef, signal?: AbortSignal): Promise<string> => deps.secrets.read(ref, signal);
  const withHeader = (
    request: OutboundRequest,
    name: string,
    value: string,
    secrets: readonly string[],
  ): OutboundRequest => {
    if (/[\r\n\0]/.test(value)) throw new OutboundAuthError('the credential contains a line break');
    const headers = new Headers(request.headers);
    headers.set(name, value);
    return { ...request, headers, secrets: [...secrets, value] };
  };
  switch (auth?.type) {
    case undefined:
    case 'passthrough':
      return { forwardsCallerAuthorization: true, apply: async (request) => request };
    case 'none':
      return { forwardsCallerAuthorization: false, apply: async (request) => request };
    case 'apiKey':
      return {
        forwardsCallerAuthorization: false,
        apply: async (request, signal) => {
          const key = await read(auth.value, signal);
          const value = (auth.prefix ?? '') + key;
          if ((auth.in ?? 'header') === 'header') return withHeader(request, auth.name, value, [key]);
          const url = new URL(request.url);
          url.searchParams.set(auth.name, value);
          // As sent (form encoding) and as an API may echo it (percent encoding, or decoded).
          const formEncoded = new URLSearchParams([['', key]]).toString().slice(1);
          return { ...request, url, secrets: [key, encodeURIComponent(key), formEncoded] };
        },
      };
    case 'bearer':
      return {
        forwardsCallerAuthorization: false,
        apply: async (request, signal) => {
          const token = await read(auth.token, signal);
          return withHeader(request, 'authorization', `Bearer ${token}`, [token]);
        },
      };
    case 'basic':
      return {
        forwardsCallerAuthorization: false,
        apply: async (request, signal) => {
          const username = configValue(auth.username, deps.env);
          const password = await read(auth.password, signal);
          return withHeader(
            request,
            'authorization',
            `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`,
            [password],
          );
        },
      };
    case 'oauth2ClientCredentials': {
      let last: { readonly request: ClientCredentialsRequest; readonly token: string } | undefined;
      return {
        forwardsCallerAuthorization: false,
        apply: async (request, signal) => {
          const tokenUrl = configValue(auth.tokenUrl, deps.env);
          const problem = credentialUrlProblem('tokenUrl', tokenUrl);
          if (problem !== undefined) throw new OutboundAuthError(problem);
          const tokenRequest: ClientCredentialsRequest = {
            tokenUrl,
            clientId: configValue(auth.clientId, deps.env),
            clientSecret: await read(auth.clientSecret, signal),
            scopes: auth.scopes,
            audience: auth.audience,
          };
          const token = await deps.tokens.token(tokenRequest, signal);
          last = { request: tokenRequest, token };
          return withHeader(request, 'authorization', `Bearer ${token}`, [tokenRequest.clientSecret, token]);
        },
        renew: () => {
          if (last) deps.tokens.drop(last.request, last.token);
        },
      };
    }
    case 'sigv4':
      return {
        forwardsCallerAuthorization: false,
        apply: async (request) => {
          const region = auth.region ?? deps.env.AWS_REGION;
          const { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey } = deps.env;
          if (!region || !accessKeyId || !secretAccessKey) {
            throw new OutboundAuthError('sigv4: no AWS region or role credentials in the environment');
          }
          // Every header the tool sends is signed (content-type included), not just host and x-amz-*.
          const headers = signedHeaders({
            url: request.url,
            method: request.method,
            headers: request.headers,
            body: request.body,
            service: auth.service,
            region,
            credentials: { accessKeyId, secretAccessKey, sessionToken: deps.env.AWS_SESSION_TOKEN || undefined },
            time: (deps.clock ?? Date.now)(),
          });
          const secrets = [secretAccessKey, deps.env.AWS_SESSION_TOKEN].filter((value): value is string => !!value);
          return { ...request, headers, secrets };
        },
      };
  }
}

function configValue(value: Parameters<typeof resolveConfigValue>[0], env: Env): string {
  try {
    return resolveConfigValue(value, env);
  } catch (error) {
    throw new OutboundAuthError((error as Error).message, { cause: error });
  }
}

/**
 * `text` with each credential value (of four characters or more) replaced by `[redacted]`.
 * `cut`: the text was truncated, so it may end inside a credential; that start of it goes too.
 */
export function redactSecrets(text: string, secrets: readonly string[] | undefined, cut = false): string {
  let out = text;
  for (const secret of secrets ?? []) if (secret.length >= 4) out = out.split(secret).join('[redacted]');
  if (cut) {
    for (const secret of secrets ?? []) {
      for (let length = secret.length - 1; length >= 4; length--) {
        if (out.endsWith(secret.slice(0, length))) {
          out = `${out.slice(0, -length)}[redacted]`;
          break;
        }
      }
    }
  }
  return out;
}
