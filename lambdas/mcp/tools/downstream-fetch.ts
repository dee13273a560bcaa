import type { AuthMode } from '../../../config/types';
import { DownstreamError } from '../errors';
import type { DownstreamFetch, DownstreamRequestInit } from './types';

export interface DownstreamFetchOptions {
  readonly authMode: AuthMode;
  /** The caller's `Authorization` header exactly as received; undefined when absent. */
  readonly authorization: string | undefined;
  /** Origins (`scheme://host[:port]`) that may receive it; consulted only in `bearerPassthrough` mode. */
  readonly passthroughOrigins: ReadonlySet<string>;
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch;
  /** @default 5 */
  readonly maxRedirects?: number;
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/**
 * A `fetch` that applies the passthrough rules: the caller's `Authorization` header goes
 * unchanged to allow-listed origins of `bearerPassthrough` servers and nowhere else.
 * Redirects are followed here (`redirect: 'manual'` underneath) so that a hop to another
 * origin drops every `Authorization` header, the caller's or the tool's, and is refused for a
 * request that carries the tool's own credential (which may be in any header or the query).
 */
export function createDownstreamFetch(options: DownstreamFetchOptions): DownstreamFetch {
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const maxRedirects = options.maxRedirects ?? 5;
  const passthrough = options.authMode === 'bearerPassthrough' ? options.authorization : undefined;

  return async (input: string | URL, requestInit: DownstreamRequestInit = {}): Promise<Response> => {
    const { forwardAuthorization = true, carriesCredential = false, ...init } = requestInit;
    const forwarded = forwardAuthorization ? passthrough : undefined;
    let url = parseHttpUrl(String(input));
    let method = (init.method ?? 'GET').toUpperCase();
    let body = init.body;
    const headers = new Headers(init.headers);
    let crossedOrigin = false;

    for (let redirects = 0; ; redirects++) {
      const hopHeaders = new Headers(headers);
      if (crossedOrigin) hopHeaders.delete('authorization');
      else if (forwarded !== undefined && options.passthroughOrigins.has(url.origin)) {
        hopHeaders.set('authorization', forwarded);
      }
      const response = await fetchImpl(url, { ...init, method, body, headers: hopHeaders, redirect: 'manual' });
      const location = response.headers.get('location');
      if (!REDIRECT_STATUSES.has(response.status) || location === null) return response;

      await response.body?.cancel();
      if (redirects >= maxRedirects)
        throw new DownstreamError(`more than ${maxRedirects} redirects from ${url.origin}`);
      const next = parseHttpUrl(location, url);
      if (next.origin !== url.origin) {
        if (carriesCredential)
          throw new DownstreamError(
            `redirected from ${url.origin} to ${next.origin}: not followed, as the request carries the tool's credential`,
          );
        crossedOrigin = true;
      }
      if (response.status === 303 ? method !== 'HEAD' : response.status <= 302 && method === 'POST') {
        method = 'GET';
        body = undefined;
        headers.delete('content-type');
        headers.delete('content-length');
      } else if (body instanceof ReadableStream) {
        throw new DownstreamError(`cannot resend a streamed body after a ${response.status} redirect`);
      }
      url = next;
    }
  };
}

function parseHttpUrl(raw: string, base?: URL): URL {
  let url: URL;
  try {
    url = new URL(raw, base);
  } catch (error) {
    throw new DownstreamError('downstream URL is not valid', { cause: error });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new DownstreamError(`downstream URL scheme ${url.protocol} is not allowed (http and https only)`);
  }
  return url;
}
