import { LATEST_PROTOCOL_VERSION } from '@modelcontextprotocol/sdk/types.js';
import type { ResolvedServer } from '../../config/types';
import { JsonRpcCode } from '../shared/json-rpc';
import { isLoopbackHost } from './config-values';
import type { McpRequest } from './http-message';

/** Protocol versions this gateway speaks (Streamable HTTP exists since 2025-03-26); newest first. */
export const SUPPORTED_PROTOCOL_VERSIONS: readonly string[] = [LATEST_PROTOCOL_VERSION, '2025-06-18', '2025-03-26'];

/** Largest request body accepted (1 MiB); larger ones get 413. */
export const MAX_REQUEST_BODY_BYTES = 1_048_576;

/** Why the transport rules refuse a request: the HTTP status and JSON-RPC error to answer with. */
export interface Refusal {
  readonly status: number;
  readonly code: number;
  readonly message: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/** The methods a stateless server serves (OPTIONS: CORS preflight). */
export const ALLOWED_METHODS = 'POST, OPTIONS';

/**
 * Whether the request's `Origin` may call `server`. No `Origin` (not a browser) passes; so
 * do the server's `allowedOrigins` and the API's own origin: `https://` + the `Host` header
 * or + the domain API Gateway received the request on. When that domain is a loopback host
 * (the local stack; never the case on AWS), any loopback origin of any port is the server's
 * own, and every other origin is foreign: a DNS-rebinding page has a foreign origin.
 */
export function originAllowed(request: McpRequest, server: ResolvedServer): boolean {
  const origin = request.headers.get('origin');
  if (origin === null || server.allowedOrigins.includes(origin)) return true;
  const sent = parseUrl(origin);
  if (!sent || (sent.protocol !== 'https:' && sent.protocol !== 'http:') || sent.origin !== origin.toLowerCase()) {
    return false;
  }
  const api = new URL(request.url);
  const hostHeader = request.headers.get('host');
  const host = hostHeader === null ? api : parseUrl(`https://${hostHeader}`);
  if (!host) return false;
  if (isLoopbackHost(api.hostname) && isLoopbackHost(host.hostname)) return isLoopbackHost(sent.hostname);
  return sent.protocol === 'https:' && (sent.origin === api.origin || sent.origin === host.origin);
}

/** The refusal for a request whose `Origin` may not call `server`, or undefined. */
export function checkOrigin(request: McpRequest, server: ResolvedServer): Refusal | undefined {
  if (originAllowed(request, server)) return undefined;
  return { status: 403, code: JsonRpcCode.ServerError, message: 'Forbidden: Origin not allowed' };
}

/** The refusal for a POST whose method, protocol version, Accept or Content-Type breaks the transport rules, or undefined. */
export function checkHeaders(request: McpRequest): Refusal | undefined {
  if (request.method !== 'POST') {
    return {
      status: 405,
      code: JsonRpcCode.ServerError,
      message: 'Method Not Allowed: this stateless server accepts POST only',
      headers: { Allow: ALLOWED_METHODS },
    };
  }
  const version = request.headers.get('mcp-protocol-version');
  if (version !== null && !SUPPORTED_PROTOCOL_VERSIONS.includes(version)) {
    return {
      status: 400,
      code: JsonRpcCode.ServerError,
      message: `Bad Request: Unsupported protocol version: ${version} (supported versions: ${SUPPORTED_PROTOCOL_VERSIONS.join(', ')})`,
    };
  }
  const accepted = mediaTypes(request.headers.get('accept'));
  if (!accepted.includes('application/json') || !accepted.includes('text/event-stream')) {
    return {
      status: 406,
      code: JsonRpcCode.ServerError,
      message: 'Not Acceptable: Client must accept both application/json and text/event-stream',
    };
  }
  if (mediaTypes(request.headers.get('content-type')).join() !== 'application/json') {
    return {
      status: 415,
      code: JsonRpcCode.ServerError,
      message: 'Unsupported Media Type: Content-Type must be application/json',
    };
  }
  return undefined;
}

/** The refusal for a body over `maxBytes`. */
export function tooLarge(maxBytes: number): Refusal {
  return {
    status: 413,
    code: JsonRpcCode.ServerError,
    message: `Payload Too Large: request body must not exceed ${maxBytes} bytes`,
  };
}

export const TOO_LARGE = Symbol('too large');

/**
 * The body as UTF-8 text; `TOO_LARGE` when a declared length or the body exceeds `maxBytes`;
 * undefined when not UTF-8. (A Lambda event holds the whole body already; API Gateway caps it.)
 */
export async function readBody(request: McpRequest, maxBytes: number): Promise<string | undefined | typeof TOO_LARGE> {
  if (Number(request.headers.get('content-length')) > maxBytes) return TOO_LARGE;
  const bytes = await request.arrayBuffer();
  if (bytes.byteLength > maxBytes) return TOO_LARGE;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

/** Lowercased media types of an Accept or Content-Type header, parameters dropped (media types are case-insensitive). */
function mediaTypes(header: string | null): string[] {
  if (header === null) return [];
  return header
    .split(',')
    .map((part) => part.split(';', 1)[0].trim().toLowerCase())
    .filter((type) => type !== '');
}

function parseUrl(raw: string): URL | undefined {
  try {
    return new URL(raw);
  } catch {
    return undefined;
  }
}
