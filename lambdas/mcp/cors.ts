import type { ResolvedServer } from '../../config/types';
import { ALLOWED_METHODS } from './http-checks';
import { HeaderMap, HttpResponse, type McpRequest, type McpResponse } from './http-message';

/**
 * Request headers a browser client may send: the SDK's (Mcp-Protocol-Version, Mcp-Session-Id,
 * Last-Event-ID), the API key and the caller's Authorization, and the JSON ones.
 */
const CORS_ALLOW_HEADERS =
  'Authorization, Content-Type, Accept, Mcp-Protocol-Version, Mcp-Session-Id, Last-Event-ID, X-Api-Key';

/** Response headers a browser client may read. */
const CORS_EXPOSE_HEADERS = 'Mcp-Session-Id, Mcp-Protocol-Version';

/** How long a browser may reuse a preflight answer, in seconds. */
const PREFLIGHT_MAX_AGE = '600';

/**
 * The answer to an OPTIONS request whose origin is allowed (see `originAllowed`): 204 with
 * `Allow` and what a preflight asks for; `withCors` then adds the grant when the origin is
 * one of the server's `allowedOrigins`, as for every other response. It needs no authorizer
 * context: browsers send preflights without credentials.
 */
export function preflightResponse(request: McpRequest): HttpResponse {
  const origin = request.headers.get('origin');
  const headers: Record<string, string> = { Allow: ALLOWED_METHODS };
  if (origin !== null) {
    Object.assign(headers, {
      'Access-Control-Allow-Methods': ALLOWED_METHODS,
      'Access-Control-Allow-Headers': CORS_ALLOW_HEADERS,
      'Access-Control-Max-Age': PREFLIGHT_MAX_AGE,
    });
  }
  return new HttpResponse(204, '', headers);
}

/** Adds CORS headers for an origin in the server's `allowedOrigins`; other responses are returned as they are. */
export async function withCors(
  response: McpResponse,
  origin: string | null,
  server: ResolvedServer,
): Promise<McpResponse> {
  if (origin === null || !server.allowedOrigins.includes(origin)) return response;
  const headers = new HeaderMap();
  response.headers.forEach((value, name) => headers.append(name, value));
  headers.set('access-control-allow-origin', origin);
  headers.set('access-control-expose-headers', CORS_EXPOSE_HEADERS);
  headers.append('vary', 'Origin');
  return new HttpResponse(response.status, await response.text(), headers);
}
