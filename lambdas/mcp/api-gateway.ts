import type {
  APIGatewayProxyEvent,
  APIGatewayProxyEventV2,
  APIGatewayProxyResult,
  APIGatewayProxyStructuredResultV2,
} from 'aws-lambda';
import { pathOfRouteKey } from '../shared/api-gateway-event';
import { HeaderMap, type McpRequest, type McpResponse } from './http-message';

/** What reaches the MCP handler: a REST API proxy event or an HTTP API payload 2.0 event. */
export type McpEvent = APIGatewayProxyEvent | APIGatewayProxyEventV2;

/** A proxy result valid for both REST APIs and HTTP APIs. */
export type McpResult = APIGatewayProxyResult & APIGatewayProxyStructuredResultV2;

/** The context the mcp-gate authorizer attaches; every field may be missing on a malformed or public route. */
export interface AuthorizerContext {
  readonly server?: string;
  readonly keyId?: string;
  readonly authMode?: string;
}

function isHttpApiEvent(event: McpEvent): event is APIGatewayProxyEventV2 {
  return (event as Partial<APIGatewayProxyEventV2>).version === '2.0';
}

/**
 * The resource paths that identify the event's route, most specific first: the REST
 * `resource` or the HTTP API `routeKey` path, then the request path.
 */
export function routePathsOf(event: McpEvent): string[] {
  if (isHttpApiEvent(event)) {
    return [pathOfRouteKey(event.routeKey), event.rawPath].filter(
      (path): path is string => typeof path === 'string' && path !== '',
    );
  }
  return [event.resource, event.path].filter((path): path is string => typeof path === 'string' && path !== '');
}

/**
 * The authorizer context: `requestContext.authorizer` (REST) or `requestContext.authorizer.lambda`
 * (HTTP API). API Gateway delivers REST context values as strings, `sam local` as given:
 * numbers and booleans are accepted and turned into strings; anything else counts as absent.
 */
export function authorizerContextOf(event: McpEvent): AuthorizerContext | undefined {
  const authorizer = (event.requestContext as { authorizer?: unknown } | undefined)?.authorizer;
  const raw = isHttpApiEvent(event) ? (authorizer as { lambda?: unknown } | undefined)?.lambda : authorizer;
  if (raw === null || typeof raw !== 'object') return undefined;
  const values = raw as Record<string, unknown>;
  const context = { server: text(values.server), keyId: text(values.keyId), authMode: text(values.authMode) };
  return Object.values(context).some((value) => value !== undefined) ? context : undefined;
}

function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value === '' ? undefined : value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

const UNKNOWN_DOMAIN = 'unknown-domain.invalid';

/** The request an event describes (the body already decoded from base64 when it was). */
export interface EventRequest extends McpRequest {
  readonly headers: HeaderMap;
  /** The body's bytes; null for GET and HEAD, as for a web `Request`, and when the event has none. */
  readonly body: Uint8Array | null;
  text(): Promise<string>;
}

/**
 * The request an event describes. Header values a web `Headers` object would refuse (e.g.
 * characters outside Latin-1) are dropped rather than failing the request.
 */
export function eventToRequest(event: McpEvent): EventRequest {
  const http = isHttpApiEvent(event);
  const method = normalizeMethod((http ? event.requestContext?.http?.method : event.httpMethod) ?? 'GET');
  const headers = new HeaderMap();
  const add = (name: string, value: string): void => {
    headers.append(name, value); // an unrepresentable header: left out
  };
  const replace = (name: string, value: string): void => {
    // left out, and no other value sent in place of the one the authorizer saw
    if (!headers.set(name, value)) headers.delete(name);
  };
  if (http) {
    for (const [name, value] of Object.entries(event.headers ?? {})) if (value !== undefined) add(name, value);
    if (event.cookies?.length) add('cookie', event.cookies.join('; '));
  } else if (event.multiValueHeaders && Object.keys(event.multiValueHeaders).length > 0) {
    for (const [name, values] of Object.entries(event.multiValueHeaders))
      for (const value of values ?? []) add(name, value);
    // A credential is one value, never a comma-joined list: the one in `headers` (API Gateway
    // puts the last there), which is also the one the authorizer's identity source saw.
    for (const [name, value] of Object.entries(event.headers ?? {}))
      if (name.toLowerCase() === 'authorization' && value !== undefined) replace(name, value);
  } else {
    for (const [name, value] of Object.entries(event.headers ?? {})) if (value !== undefined) add(name, value);
  }
  // The body is rebuilt from the event, so a client-declared length is not carried over.
  headers.delete('content-length');

  // Without a usable domain the request is nobody's own origin (`.invalid` never resolves), and
  // in particular not a loopback one, which would let loopback origins in.
  const domain = event.requestContext?.domainName || UNKNOWN_DOMAIN;
  const path = (http ? event.rawPath : event.path) || '/';
  const query = http ? (event.rawQueryString ?? '') : restQuery(event);
  let url: URL;
  try {
    url = new URL(`https://${domain}${path.startsWith('/') ? path : `/${path}`}${query ? `?${query}` : ''}`);
  } catch {
    url = new URL(`https://${UNKNOWN_DOMAIN}/`);
  }
  const hasBody = method !== 'GET' && method !== 'HEAD' && typeof event.body === 'string';
  const body = hasBody ? Buffer.from(event.body as string, event.isBase64Encoded ? 'base64' : 'utf8') : null;
  return {
    method,
    url: url.href,
    headers,
    body,
    arrayBuffer: async () => body ?? new Uint8Array(0),
    text: async () => (body === null ? '' : new TextDecoder().decode(body)),
  };
}

/** The methods a web `Request` upper-cases, whatever case they come in. */
const NORMALIZED_METHODS = new Set(['DELETE', 'GET', 'HEAD', 'OPTIONS', 'POST', 'PUT']);

function normalizeMethod(method: string): string {
  const upper = method.toUpperCase();
  return NORMALIZED_METHODS.has(upper) ? upper : method;
}

function restQuery(event: APIGatewayProxyEvent): string {
  const search = new URLSearchParams();
  if (event.multiValueQueryStringParameters) {
    for (const [name, values] of Object.entries(event.multiValueQueryStringParameters)) {
      for (const value of values ?? []) search.append(name, value);
    }
  } else {
    for (const [name, value] of Object.entries(event.queryStringParameters ?? {})) {
      if (value !== undefined) search.append(name, value);
    }
  }
  return search.toString();
}

/** The proxy result for a response (MCP responses are JSON or empty: always text). */
export async function toProxyResult(response: McpResponse): Promise<McpResult> {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  return { statusCode: response.status, headers, body: await response.text(), isBase64Encoded: false };
}
