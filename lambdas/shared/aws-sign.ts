/**
 * SigV4 headers for a request sent with fetch (Secrets Manager, SSM, `sigv4` tools), by `aws4`,
 * the signer the authorizer's DynamoDB client uses: Node's own crypto, synchronous.
 * Loaded on first use, so a function that never signs does not load it (nor node:crypto) at
 * cold start.
 */
import type { SigningCredentials } from 'aws4';

type Aws4 = typeof import('aws4');

let aws4: Aws4 | undefined;

export interface SignableFetch {
  readonly url: URL;
  readonly method: string;
  readonly headers: Headers;
  readonly body: string | undefined;
  readonly service: string;
  readonly region: string;
  readonly credentials: SigningCredentials;
  /** Epoch milliseconds of the signature. @default now */
  readonly time?: number;
}

/**
 * `headers` plus `Authorization`, `X-Amz-Date` and, with a session token,
 * `X-Amz-Security-Token`. Every header given is signed, with the host; `Host` and
 * `Content-Length` are left for fetch to send (it sends the same values).
 */
export function signedHeaders(request: SignableFetch): Headers {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  aws4 ??= require('aws4') as Aws4;
  const headers: Record<string, string> = Object.fromEntries(request.headers);
  // fetch's own content type for a string body: named here so aws4 does not put its own.
  if (request.body !== undefined && headers['content-type'] === undefined) {
    headers['content-type'] = 'text/plain;charset=UTF-8';
  }
  headers['x-amz-date'] = new Date(request.time ?? Date.now()).toISOString().replace(/[:-]|\.\d{3}/g, '');
  const signed = aws4.sign(
    {
      host: request.url.host,
      path: `${request.url.pathname}${request.url.search}`,
      method: request.method,
      service: request.service,
      region: request.region,
      headers,
      body: request.body,
      extraHeadersToIgnore: { 'content-length': true },
    },
    request.credentials,
  );
  const out = new Headers(signed.headers);
  out.delete('host');
  out.delete('content-length');
  return out;
}
