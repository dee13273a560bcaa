import type { APIGatewayAuthorizerResult } from 'aws-lambda';
import type { ServerConfig } from '../../config/types';
import { resolveServers } from '../../config/validate';
import { AuthorizerCore } from '../../lambdas/authorizer/authorizer';
import { parseAuthorizerEvent } from '../../lambdas/authorizer/event';
import { KeyService } from '../../lambdas/keys/key-service';
import { createLogger } from '../../lambdas/shared/logger';
import { evaluatePolicy } from '../../local/iam';
import { startEmbeddedDynamo, type EmbeddedDynamo } from '../../local/dynalite';
import { loadEvent } from '../helpers/events';
import { captureLogs, type LogCapture } from './helpers/capture';
import { echoContext, startCustomGateway, type CustomGateway } from './helpers/gateway';
import { createHttpClient, pool, type HttpClient } from './helpers/http';
import { recordFigures, tally } from './helpers/results';
import { SecretRegistry } from './helpers/secrets';

/**
 * Isolation: N servers × M keys. Every use of a key on another server is denied, by
 * the authorizer's policy (cold and warm lookup cache, and a cached policy re-evaluated for
 * another route) and through the local gateway (cold and warm result cache).
 */
const KEYS_PER_SERVER = 8;
const ROUNDS = 3;
const API = 'arn:aws:execute-api:us-east-1:123456789012:abcdef1234';

const configured: ServerConfig[] = [
  { name: 'iso-a', authMode: 'apiKey', tools: [] },
  { name: 'iso-a2', authMode: 'apiKey', tools: [] }, // a name that extends another's
  { name: 'iso-b', authMode: 'bearerPassthrough', tools: [] },
  { name: 'iso-c', authMode: 'apiKey', tools: [], routes: ['/iso-c/mcp', '/iso-c/v2/mcp'] },
  { name: 'iso-d', authMode: 'bearerPassthrough', tools: [], routes: ['/iso-d/mcp', '/iso-d/mcp2'] },
  { name: 'iso-open', authMode: 'none', tools: [] },
];
const servers = resolveServers(configured);
const keyed = servers.filter((server) => server.authMode !== 'none');

interface IssuedKey {
  readonly apiKey: string;
  readonly keyId: string;
  readonly server: string;
}

let dynamo: EmbeddedDynamo;
let logs: LogCapture;
let gateway: CustomGateway;
let http: HttpClient;
const secrets = new SecretRegistry();
const keys: IssuedKey[] = [];
let authorization: string;
const figures: Record<string, unknown> = {
  servers: servers.length,
  keyedServers: keyed.length,
  keysPerServer: KEYS_PER_SERVER,
  routes: servers.flatMap((server) => server.routes).length,
};

beforeAll(async () => {
  logs = captureLogs();
  dynamo = await startEmbeddedDynamo('isolation-keys');
  const service = new KeyService({ store: dynamo.store, servers });
  for (const server of keyed) {
    for (let i = 0; i < KEYS_PER_SERVER; i++) {
      const issued = await service.create({ server: server.name });
      keys.push({ apiKey: secrets.addApiKey(issued.apiKey), keyId: issued.record.keyId, server: server.name });
    }
  }
  authorization = secrets.newAuthorization();
  gateway = await startCustomGateway({
    servers,
    store: dynamo.store,
    logger: createLogger('local-gateway', { level: 'debug', sink: logs.sink }),
    cacheTtlSeconds: 60,
    integration: echoContext,
  });
  http = createHttpClient(gateway.baseUrl, 10);
});

afterAll(async () => {
  http?.close();
  await gateway?.authorizer.settle();
  await gateway?.close();
  await dynamo?.stop();
  logs?.restore();
  recordFigures('isolation', figures);
});

function authorizerEvent(
  version: '1.0' | '2.0',
  route: string,
  method: string,
  apiKey: string,
): Record<string, unknown> {
  if (version === '1.0') {
    const event = loadEvent('authorizer-v1-apikey.json');
    event.methodArn = `${API}/prod/${method}${route}`;
    event.resource = route;
    event.path = route;
    event.httpMethod = method;
    event.headers = { 'x-api-key': apiKey, Authorization: authorization };
    event.multiValueHeaders = { 'x-api-key': [apiKey], Authorization: [authorization] };
    return event;
  }
  const event = loadEvent('authorizer-v2-apikey.json');
  event.routeArn = `${API}/$default/${method}${route}`;
  event.routeKey = `${method} ${route}`;
  event.rawPath = route;
  event.headers = { 'x-api-key': apiKey, authorization };
  return event;
}

const serverOf = (route: string): string => servers.find((server) => server.routes.includes(route))!.name;

describe('isolation: N servers × M keys', () => {
  it('authorizer core: a key opens its own server only, cold and warm lookup cache, payload 1.0 and 2.0', async () => {
    const authorizer = new AuthorizerCore({
      store: dynamo.store,
      servers,
      logger: createLogger('authorizer', { level: 'debug', sink: logs.sink }),
      cacheTtlSeconds: 60,
    });
    const routes = keyed.flatMap((server) => server.routes);
    const outcomes: Record<string, number> = {};
    const wrong: string[] = [];
    const ownPolicies = new Map<string, APIGatewayAuthorizerResult>();

    for (const pass of ['cold', 'warm']) {
      for (const key of keys) {
        for (const route of routes) {
          for (const version of ['1.0', '2.0'] as const) {
            const method = version === '1.0' ? 'POST' : 'GET';
            const event = authorizerEvent(version, route, method, key.apiKey);
            const outcome = await authorizer.authorize(parseAuthorizerEvent(event)!);
            const arn = (event.methodArn ?? event.routeArn) as string;
            const own = serverOf(route) === key.server;
            const allowed = 'policy' in outcome && evaluatePolicy(outcome.policy.policyDocument, arn) === 'allow';
            tally(outcomes, `${pass}:${own ? 'own' : 'cross'}:${allowed ? 'allow' : 'deny'}`);
            if (allowed !== own)
              wrong.push(
                `${pass} ${key.keyId}(${key.server}) on ${route} ${version}: ${allowed ? 'allowed' : 'denied'}`,
              );
            if ('policy' in outcome && own && version === '1.0') ownPolicies.set(key.keyId, outcome.policy);
          }
        }
      }
    }

    // API Gateway re-evaluates a cached policy against each later request's ARN: every method of every other route.
    let cachedReuseChecks = 0;
    for (const key of keys) {
      const policy = ownPolicies.get(key.keyId)!;
      for (const server of servers) {
        for (const route of server.routes) {
          for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']) {
            cachedReuseChecks++;
            const allowed = evaluatePolicy(policy.policyDocument, `${API}/prod/${method}${route}`) === 'allow';
            if (allowed !== (server.name === key.server))
              wrong.push(`cached policy of ${key.keyId} on ${method} ${route}: ${allowed}`);
          }
        }
      }
    }
    await authorizer.settle();
    figures.core = {
      decisions: Object.values(outcomes).reduce((a, b) => a + b, 0),
      outcomes,
      cachedReuseChecks,
      keyStoreReads: authorizer.cache.reads,
      wrong: wrong.length,
    };
    expect(wrong).toEqual([]);
    // The warm pass was served from the lookup cache: one read per key.
    expect(authorizer.cache.reads).toBe(keys.length);
  });

  it('through the local gateway: cross-server use is 403 with a cold cache, with a warm cache and in any order', async () => {
    const statuses: Record<string, number> = {};
    const wrong: string[] = [];
    const call = async (key: IssuedKey, route: string, phase: string): Promise<void> => {
      const res = await http.send({
        path: route,
        headers: { 'x-api-key': key.apiKey, authorization, 'content-type': 'application/json' },
        body: '{}',
      });
      const target = serverOf(route);
      const open = servers.find((server) => server.name === target)!.authMode === 'none';
      const expected = open || target === key.server ? 200 : 403;
      tally(statuses, `${phase}:${target === key.server ? 'own' : open ? 'public' : 'cross'}:${res.status}`);
      if (res.status !== expected) {
        wrong.push(`${phase} ${key.keyId}(${key.server}) on ${route}: ${res.status}, expected ${expected}`);
        return;
      }
      if (res.status === 200) {
        const { context } = JSON.parse(res.body) as { context: Record<string, string> | null };
        const want = open
          ? null
          : {
              principalId: key.keyId,
              server: key.server,
              keyId: key.keyId,
              authMode: servers.find((s) => s.name === key.server)!.authMode,
            };
        if (JSON.stringify(context) !== JSON.stringify(want))
          wrong.push(`${phase} ${key.keyId} on ${route}: context ${JSON.stringify(context)}`);
      }
    };
    const allRoutes = servers.flatMap((server) => server.routes);
    const otherRoutes = (key: IssuedKey) => allRoutes.filter((route) => serverOf(route) !== key.server);
    const ownRoutes = (key: IssuedKey) => allRoutes.filter((route) => serverOf(route) === key.server);

    // Cold: each key is first seen on another server (neither the gateway nor the authorizer cached it).
    for (const key of keys) for (const route of otherRoutes(key)) await call(key, route, 'cold');
    // Warm the result cache with each key's own policy, then try every other server again.
    for (const key of keys) for (const route of ownRoutes(key)) await call(key, route, 'own');
    for (const key of keys) for (const route of otherRoutes(key)) await call(key, route, 'warm');
    const cachedPolicies = gateway.cacheSize();
    // Every (key, route) pair, shuffled, concurrently, a few rounds.
    const pairs = keys.flatMap((key) => allRoutes.map((route) => [key, route] as const));
    const shuffled = Array.from({ length: ROUNDS }, () => pairs)
      .flat()
      .sort(() => Math.random() - 0.5);
    await pool(shuffled.length, 10, (index) => call(shuffled[index][0], shuffled[index][1], 'mixed'));

    const requests = Object.values(statuses).reduce((a, b) => a + b, 0);
    figures.gateway = { requests, statuses, cachedPolicies, wrong: wrong.length };
    expect(wrong).toEqual([]);
    // One cached policy per key and identity-source set (x-api-key; x-api-key + Authorization), whatever the route.
    expect(cachedPolicies).toBe(keys.length * 2);
  });

  // A route with a path parameter becomes `…/POST/shared/*` in the policy, and IAM's `*` also
  // matches another server's route under the same prefix: such configurations are refused when
  // they load, so no key's policy can reach another server's route.
  it("refuses a path-parameter route that would open another server's route", () => {
    expect(() =>
      resolveServers([
        { name: 'param-owner', authMode: 'apiKey', tools: [], routes: ['/shared/{id}'] },
        { name: 'param-victim', authMode: 'apiKey', tools: [], routes: ['/shared/victim'] },
      ]),
    ).toThrow(/overlaps route/);
  });

  it('logs no API key, digest or Authorization value', () => {
    const findings = secrets.scan(logs.text());
    figures.secrets = { logLines: logs.lineCount(), ...secrets.counts, occurrences: findings.length };
    expect(findings).toEqual([]);
    // The scan covered the authorizer's EMF records too.
    expect(logs.jsonLines().some((line) => '_aws' in line)).toBe(true);
  });
});
