import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { APIGatewayProxyEvent, APIGatewayProxyEventV2 } from 'aws-lambda';

const EVENTS_DIR = join(__dirname, '..', '..', 'events');

/** A fixture from events/, parsed fresh on every call so tests may change it. */
export function loadEvent<T = APIGatewayProxyEvent>(file: string): T {
  return JSON.parse(readFileSync(join(EVENTS_DIR, file), 'utf8')) as T;
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
  return { ...loadEvent<APIGatewayProxyEventV2>('mcp-http-api-tools-call.json'), ...overrides };
}

/** A JSON-RPC request body. */
export function rpc(method: string, params?: unknown, id: number | string = 1): string {
  return JSON.stringify({ jsonrpc: '2.0', id, method, ...(params === undefined ? {} : { params }) });
}
