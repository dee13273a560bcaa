import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const EVENTS_DIR = join(__dirname, '..', '..', 'events');

/** A fixture from events/, parsed fresh (tests may change it). */
export function loadEvent<T = Record<string, unknown>>(name: string): T {
  return JSON.parse(readFileSync(join(EVENTS_DIR, name), 'utf8')) as T;
}

type Headers = Record<string, string | undefined>;

/**
 * An authorizer event from the fixtures for `server` (payload 1.0 or 2.0), with its
 * credential headers replaced: undefined removes a header.
 */
export function authorizerEvent(
  version: '1.0' | '2.0',
  fixture: 'public' | 'apikey' | 'passthrough',
  headers: { apiKey?: string; authorization?: string },
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
  return event;
}

/** The method (or route) ARN of `event` pointed at another server's route, as API Gateway would re-check a cached policy. */
export function arnFor(event: Record<string, unknown>, server: string, method = 'POST'): string {
  const arn = (event.methodArn ?? event.routeArn) as string;
  const [head, stage] = arn.split('/');
  return `${head}/${stage}/${method}/${server}/mcp`;
}
