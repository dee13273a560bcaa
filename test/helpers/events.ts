import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { APIGatewayProxyEvent, APIGatewayProxyEventV2 } from 'aws-lambda';

const EVENTS_DIR = join(__dirname, '..', '..', 'events');

/** A fixture from events/, parsed fresh on every call so tests may change it; typed by its kind. */
export function loadEvent(name: `authorizer-${string}`): Record<string, unknown>;
export function loadEvent(name: 'mcp-http-api-tools-call.json'): APIGatewayProxyEventV2;
export function loadEvent(name: `mcp-${string}`): APIGatewayProxyEvent;
export function loadEvent<T>(name: string): T;
export function loadEvent(name: string): unknown {
  return JSON.parse(readFileSync(join(EVENTS_DIR, name), 'utf8'));
}

type Headers = Record<string, string | undefined>;

/**
 * An authorizer event from the fixtures for `server` (payload 1.0 or 2.0), with its
 * credential headers replaced: undefined removes a header. `route` moves it to another
 * route (resource, path and ARN), as API Gateway would send it for that route.
 */
export function authorizerEvent(
  version: '1.0' | '2.0',
  fixture: 'public' | 'apikey' | 'passthrough' | 'oauth-stage',
  headers: { apiKey?: string; authorization?: string },
  route?: string,
): Record<string, unknown> {
  const event = loadEvent(`authorizer-${version === '1.0' ? 'v1' : 'v2'}-${fixture}.json`);
  const set = (bag: Headers, multi: Record<string, string[]> | undefined) => {
    for (const name of Object.keys(bag)) {
      if (['x-api-key', 'authorization'].includes(name.toLowerCase())) delete bag[name];
    }
    for (const name of Object.keys(multi ?? {})) {
      if (['x-api-key', 'authorization'].includes(name.toLowerCase())) delete multi![name];
    }
    if (headers.apiKey !== undefined) bag['x-api-key'] = headers.apiKey;
    if (headers.authorization !== undefined)
      bag[version === '1.0' ? 'Authorization' : 'authorization'] = headers.authorization;
    if (multi) for (const [k, v] of Object.entries(bag)) if (v !== undefined) multi[k] = [v];
  };
  set(event.headers as Headers, event.multiValueHeaders as Record<string, string[]> | undefined);
  if (route !== undefined) {
    if (version === '1.0') {
      event.methodArn = arnFor(event, route, event.httpMethod as string);
      event.resource = route;
      event.path = route;
    } else {
      const method = (event.routeKey as string).split(' ')[0];
      event.routeArn = arnFor(event, route, method);
      event.routeKey = `${method} ${route}`;
      event.rawPath = route;
    }
  }
  return event;
}

/**
 * The method (or route) ARN of `event` pointed at another route, as API Gateway would re-check
 * a cached policy: a server name stands for its default route `/<name>/mcp`.
 */
export function arnFor(event: Record<string, unknown>, serverOrRoute: string, method = 'POST'): string {
  const arn = (event.methodArn ?? event.routeArn) as string;
  const [head, stage] = arn.split('/');
  const route = serverOrRoute.startsWith('/') ? serverOrRoute : `/${serverOrRoute}/mcp`;
  return `${head}/${stage}/${method}${route}`;
}

export const JSON_HEADERS = {
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
} as const;

/** events/mcp-tools-call.json with the given overrides: a POST to /demo-apikey/mcp by default. */
export function restEvent(overrides: Partial<APIGatewayProxyEvent> = {}): APIGatewayProxyEvent {
  return { ...loadEvent('mcp-tools-call.json'), ...overrides };
}

/** events/mcp-http-api-tools-call.json with the given overrides. */
export function httpApiEvent(overrides: Partial<APIGatewayProxyEventV2> = {}): APIGatewayProxyEventV2 {
  return { ...loadEvent('mcp-http-api-tools-call.json'), ...overrides };
}

/** A JSON-RPC request body. */
export function rpc(method: string, params?: unknown, id: number | string = 1): string {
  return JSON.stringify({ jsonrpc: '2.0', id, method, ...(params === undefined ? {} : { params }) });
}
