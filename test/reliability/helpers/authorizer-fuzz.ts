import fc from 'fast-check';
import type { APIGatewayAuthorizerResult } from 'aws-lambda';
import type { ResolvedServer } from '../../../config/types';
import { evaluatePolicy } from '../../../local/iam';
import { loadEvent } from '../../helpers/events';

/** A key handed out for the fuzz run, in one of the states the authorizer must tell apart. */
export interface FuzzKey {
  readonly apiKey: string;
  readonly keyId: string;
  readonly server: string;
  readonly state: 'valid' | 'revoked' | 'expired' | 'server-not-configured' | 'public-server';
}

export interface GeneratedEvent {
  readonly event: Record<string, unknown>;
  readonly version: '1.0' | '2.0';
  /** The ARN API Gateway would enforce the policy on. */
  readonly arn: string;
}

const API_PREFIX = 'arn:aws:execute-api:us-east-1:123456789012:abcdef1234';
const BASE64URL = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'];
const METHODS = ['POST', 'GET', 'DELETE', 'PUT', 'OPTIONS'] as const;

/** Near misses of a real key: the shapes a typo, a proxy or an attacker produce. */
function mutate(key: string, kind: number, position: number, char: string): string {
  const at = 5 + (position % 32);
  switch (kind) {
    case 0: // one character changed: still well-formed, so it reaches the key store
      return key.slice(0, at) + (key[at] === char ? (char === 'A' ? 'B' : 'A') : char) + key.slice(at + 1);
    case 1:
      return key.slice(0, -1);
    case 2:
      return key + char;
    case 3:
      return key.toUpperCase();
    case 4:
      return 'MCPG_' + key.slice(5);
    case 5:
      return ` ${key}\t`; // surrounding whitespace: the same key after trimming
    case 6:
      return key.slice(0, at) + ' ' + key.slice(at);
    case 7:
      return `${key},${key}`;
    case 8:
      return key + '\u200b';
    case 9:
      return '\ufeff' + key; // a byte-order mark: String.prototype.trim removes it
    case 10:
      return key.slice(5);
    default:
      return `Bearer ${key}`;
  }
}

/**
 * Header sets and routes for authorizer events (payload 1.0 and 2.0): x-api-key values from
 * real keys in every state, near misses, well-formed unknowns and arbitrary text; Authorization
 * values; header names in odd cases and lookalikes; duplicated and conflicting multi-value
 * headers; unknown routes and malformed ARNs.
 */
export function authorizerEvents(
  keys: readonly FuzzKey[],
  authorizations: readonly string[],
  servers: readonly ResolvedServer[],
) {
  const realKeys = keys.map((key) => key.apiKey);
  const validKeys = keys.filter((key) => key.state === 'valid').map((key) => key.apiKey);

  const apiKeyValue = fc.oneof(
    { weight: 5, arbitrary: fc.constantFrom(...realKeys) },
    {
      weight: 4,
      arbitrary: fc
        .tuple(fc.constantFrom(...validKeys), fc.nat(11), fc.nat(), fc.constantFrom(...BASE64URL, '=', '.', '/'))
        .map(([key, kind, position, char]) => mutate(key, kind, position, char)),
    },
    { weight: 1, arbitrary: fc.stringMatching(/^mcpg_[A-Za-z0-9_-]{32}$/) },
    { weight: 3, arbitrary: fc.string({ maxLength: 48 }) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 48 }) },
    {
      weight: 2,
      arbitrary: fc.constantFrom('', ' ', '\t', 'null', 'undefined', 'mcpg_', 'key_0123456789abcdef', '*', '%00'),
    },
    { weight: 1, arbitrary: fc.integer({ min: 33, max: 9000 }).map((n) => 'mcpg_' + 'A'.repeat(n)) },
  );
  const authorizationValue = fc.oneof(
    { weight: 5, arbitrary: fc.constantFrom(...authorizations) },
    { weight: 2, arbitrary: fc.constantFrom('', ' ', '\t\t', 'Bearer', 'Basic ') },
    { weight: 2, arbitrary: fc.string({ maxLength: 24 }) },
    { weight: 1, arbitrary: fc.constantFrom(...realKeys).map((key) => `Bearer ${key}`) },
  );
  const keyName = fc.constantFrom('x-api-key', 'X-Api-Key', 'X-API-KEY', 'x-API-key');
  const keyLookalike = fc.constantFrom(
    'x-api-keys',
    'api-key',
    'x_api_key',
    'x-api-key ',
    ' x-api-key',
    'x-apikey',
    'xapikey',
  );
  const authName = fc.constantFrom('authorization', 'Authorization', 'AUTHORIZATION');
  const otherName = fc.constantFrom(
    'proxy-authorization',
    'cookie',
    'host',
    'content-type',
    'x-amzn-trace-id',
    'x-forwarded-for',
  );
  const header = fc.oneof(
    { weight: 5, arbitrary: fc.tuple(keyName, apiKeyValue) },
    { weight: 1, arbitrary: fc.tuple(keyLookalike, apiKeyValue) },
    { weight: 3, arbitrary: fc.tuple(authName, authorizationValue) },
    { weight: 1, arbitrary: fc.tuple(otherName, fc.oneof(fc.string({ maxLength: 24 }), fc.constantFrom(...realKeys))) },
    { weight: 1, arbitrary: fc.tuple(fc.string({ minLength: 1, maxLength: 12 }), fc.string({ maxLength: 24 })) },
  );
  const headerList = fc.array(header, { maxLength: 6 });

  const route = fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom(...servers.flatMap((server) => server.routes)) },
    {
      weight: 1,
      arbitrary: fc.constantFrom('/unknown/mcp', '/demo-apikey/mcp/', '/DEMO-APIKEY/mcp', '/demo-apikey', '/'),
    },
  );
  const arnShape = fc.oneof(
    { weight: 20, arbitrary: fc.constant('normal') },
    { weight: 1, arbitrary: fc.constantFrom('other-resource', 'no-method', 'garbage', 'empty', 'no-resource') },
  );

  return fc
    .record({
      version: fc.constantFrom('1.0' as const, '2.0' as const),
      route,
      method: fc.constantFrom(...METHODS),
      headers: headerList,
      multi: fc.constantFrom('absent', 'null', 'mirror', 'mirror', 'extra'),
      extraMulti: headerList,
      nullHeaders: fc.nat(49).map((n) => n === 0),
      arnShape,
      otherRoute: route,
    })
    .map((spec): GeneratedEvent => {
      const stage = spec.version === '1.0' ? 'prod' : '$default';
      const arnFor = (routePath: string) => `${API_PREFIX}/${stage}/${spec.method}${routePath}`;
      let arn = arnFor(spec.route);
      let resource: string | undefined = spec.route;
      switch (spec.arnShape) {
        case 'other-resource':
          arn = arnFor(spec.otherRoute);
          break;
        case 'no-method':
          arn = `${API_PREFIX}/${stage}`;
          break;
        case 'garbage':
          arn = 'arn:aws:execute-api:nowhere';
          break;
        case 'empty':
          arn = '';
          break;
        case 'no-resource':
          resource = undefined;
          break;
      }
      // Built as JSON.parse would: `__proto__` or `constructor` are plain own properties.
      const headers = Object.fromEntries(new Map(spec.headers)) as Record<string, string>;

      if (spec.version === '2.0') {
        const event = loadEvent('authorizer-v2-apikey.json');
        event.routeArn = arn;
        event.routeKey = resource === undefined ? '$default' : `${spec.method} ${resource}`;
        event.rawPath = spec.route;
        event.headers = spec.nullHeaders ? undefined : headers;
        return { event, version: '2.0', arn };
      }
      const event = loadEvent('authorizer-v1-apikey.json');
      event.methodArn = arn;
      event.resource = resource ?? '';
      event.path = spec.route;
      event.httpMethod = spec.method;
      event.headers = spec.nullHeaders ? null : headers;
      if (spec.multi === 'absent') delete event.multiValueHeaders;
      else if (spec.multi === 'null') event.multiValueHeaders = null;
      else {
        const multi = new Map<string, string[]>();
        const add = (name: string, value: string, first: boolean): void => {
          const list = multi.get(name) ?? [];
          if (first) list.unshift(value);
          else list.push(value);
          multi.set(name, list);
        };
        for (const [name, value] of spec.headers) add(name, value, false);
        if (spec.multi === 'extra') for (const [name, value] of spec.extraMulti) add(name, value, true);
        event.multiValueHeaders = Object.fromEntries(multi);
      }
      return { event, version: '1.0', arn };
    });
}

/** Every value of every header called `name` (any case), single- and multi-value. */
export function headerValues(event: Record<string, unknown>, name: string): string[] {
  const values: string[] = [];
  for (const [header, value] of Object.entries((event.headers as Record<string, unknown> | null) ?? {})) {
    if (header.toLowerCase() === name && typeof value === 'string') values.push(value);
  }
  for (const [header, list] of Object.entries((event.multiValueHeaders as Record<string, unknown> | null) ?? {})) {
    if (header.toLowerCase() === name && Array.isArray(list))
      values.push(...list.filter((v): v is string => typeof v === 'string'));
  }
  return values;
}

/**
 * What must hold for a policy the authorizer returned: every server whose route (POST or GET,
 * this API and stage) the policy allows is the server of a valid key the request presented
 * (bearerPassthrough servers: with a non-empty Authorization); its context names that key;
 * it opens nothing on another stage. Returns the problems found (empty: fine).
 */
export function checkPolicy(
  policy: APIGatewayAuthorizerResult,
  event: Record<string, unknown>,
  arn: string,
  servers: readonly ResolvedServer[],
  validKeys: ReadonlyMap<string, FuzzKey>,
): string[] {
  const problems: string[] = [];
  const presented = headerValues(event, 'x-api-key')
    .map((value) => validKeys.get(value.trim()))
    .filter((key): key is FuzzKey => key !== undefined);
  const hasAuthorization = headerValues(event, 'authorization').some((value) => value.trim() !== '');
  // An `oauth` server reads only Authorization, where one of its keys may stand as the bearer.
  const bearerKeys = headerValues(event, 'authorization')
    .map((value) => validKeys.get(/^bearer\s+(\S+)$/i.exec(value.trim())?.[1] ?? ''))
    .filter((key): key is FuzzKey => key !== undefined);
  const presentedTo = (server: ResolvedServer): FuzzKey[] => (server.authMode === 'oauth' ? bearerKeys : presented);
  const match = /^(arn:[^/]+\/[^/]+)\//.exec(arn);
  const prefix = match?.[1] ?? `${API_PREFIX}/prod`;
  for (const server of servers) {
    for (const method of ['POST', 'GET']) {
      for (const route of server.routes) {
        if (evaluatePolicy(policy.policyDocument, `${prefix}/${method}${route}`) !== 'allow') continue;
        const key = presentedTo(server).find((candidate) => candidate.server === server.name);
        if (!key) problems.push(`allows ${method} ${route} without a valid key of ${server.name}`);
        else if (server.authMode === 'bearerPassthrough' && !hasAuthorization) {
          problems.push(`allows ${route} (bearerPassthrough) without Authorization`);
        }
      }
    }
    if (evaluatePolicy(policy.policyDocument, `${API_PREFIX}/other-stage/POST${server.routes[0]}`) === 'allow') {
      problems.push(`allows another stage for ${server.name}`);
    }
  }
  const keyId = policy.context?.keyId;
  const owner = [...presented, ...bearerKeys].find((key) => key.keyId === keyId);
  if (!owner) problems.push(`context keyId ${String(keyId)} is no presented valid key`);
  else if (policy.context?.server !== owner.server || policy.principalId !== owner.keyId) {
    problems.push(`context ${JSON.stringify(policy.context)} does not match key ${owner.keyId} of ${owner.server}`);
  }
  return problems;
}
