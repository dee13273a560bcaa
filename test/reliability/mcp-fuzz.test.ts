import { connect } from 'node:net';
import fc from 'fast-check';
import type { APIGatewayProxyEvent, APIGatewayProxyEventV2 } from 'aws-lambda';
import { createLogger } from '../../lambdas/shared/logger';
import { handler } from '../../lambdas/mcp/handler';
import type { LocalStack } from '../../local/stack';
import { startTestStack } from '../helpers/local-stack';
import { loadEvent } from '../helpers/events';
import { captureLogs, type LogCapture } from './helpers/capture';
import { createHttpClient, pool, type HttpClient } from './helpers/http';
import { hasStackTrace, isJsonOrEmpty, MCP_ACCEPT, mcpRequests, type McpRequestSpec } from './helpers/mcp-fuzz';
import { percentiles, recordFigures, tally } from './helpers/results';
import { SecretRegistry } from './helpers/secrets';

/**
 * Fuzzing the MCP side: ≥10,000 malformed MCP requests as REST (and HTTP API) proxy
 * events against the Lambda handler, and a few thousand over loopback HTTP through the local
 * gateway with the real authorizer in front. Never a 5xx for a client mistake, never a stack
 * trace in a body, never a throw.
 */
const HANDLER_RUNS = 10_000;
const GATEWAY_RUNS = 3_000;
const GATEWAY_CONCURRENCY = 8;
const seed = Number(process.env.RELIABILITY_SEED ?? Date.now() % 2_147_483_647);
const SERVERS = ['demo-public', 'demo-apikey', 'demo-passthrough'] as const;
type DemoServer = (typeof SERVERS)[number];
const INTERNAL_ERROR_NAME = /\b(RangeError|TypeError|ReferenceError|SyntaxError)\b/;

let stack: LocalStack;
let logs: LogCapture;
let http: HttpClient;
const secrets = new SecretRegistry();
const keys: Partial<Record<DemoServer, { apiKey: string; keyId: string }>> = {};
let authorization: string;
const figures: Record<string, unknown> = { seed };
const crashes: string[] = [];
const onCrash = (error: unknown): void => {
  crashes.push(String(error));
};

beforeAll(async () => {
  logs = captureLogs();
  process.on('unhandledRejection', onCrash);
  process.on('uncaughtException', onCrash);
  stack = await startTestStack({
    cacheTtlSeconds: 60,
    // Usage plans would throttle this load; they have their own suite (usage-plans.test.ts).
    usagePlans: false,
    logger: createLogger('local-gateway', { level: 'debug', sink: logs.sink }),
  });
  for (const server of ['demo-apikey', 'demo-passthrough'] as const) {
    const issued = await stack.keys.create({ server });
    keys[server] = { apiKey: secrets.addApiKey(issued.apiKey), keyId: issued.record.keyId };
  }
  authorization = secrets.newAuthorization();
  http = createHttpClient(stack.baseUrl, GATEWAY_CONCURRENCY);
});

afterAll(async () => {
  http?.close();
  await stack?.close();
  process.off('unhandledRejection', onCrash);
  process.off('uncaughtException', onCrash);
  logs.restore();
  recordFigures('mcp-fuzz', figures);
});

type ContextVariant = 'match' | 'missing' | 'other-server' | 'wrong-mode' | 'no-key-id' | 'numeric';
const contextVariant = fc.oneof(
  { weight: 14, arbitrary: fc.constant<ContextVariant>('match') },
  {
    weight: 1,
    arbitrary: fc.constantFrom<ContextVariant>('missing', 'other-server', 'wrong-mode', 'no-key-id', 'numeric'),
  },
);

function authorizerContext(server: DemoServer, variant: ContextVariant): Record<string, unknown> | null {
  if (server === 'demo-public' || variant === 'missing') return null;
  const mode = server === 'demo-apikey' ? 'apiKey' : 'bearerPassthrough';
  const keyId = keys[server]!.keyId;
  switch (variant) {
    case 'other-server':
      return {
        principalId: keyId,
        server: server === 'demo-apikey' ? 'demo-passthrough' : 'demo-apikey',
        keyId,
        authMode: mode,
      };
    case 'wrong-mode':
      return { principalId: keyId, server, keyId, authMode: 'none' };
    case 'no-key-id':
      return { principalId: keyId, server, authMode: mode };
    case 'numeric':
      return { principalId: keyId, server, keyId: 12345, authMode: mode };
    default:
      return { principalId: keyId, server, keyId, authMode: mode };
  }
}

/** The credential headers a client of `server` sends. */
function credentialHeaders(server: DemoServer): [string, string][] {
  if (server === 'demo-public') return [];
  const headers: [string, string][] = [['x-api-key', keys[server]!.apiKey]];
  if (server === 'demo-passthrough') headers.push(['Authorization', authorization]);
  return headers;
}

function restEvent(spec: McpRequestSpec, server: DemoServer, variant: ContextVariant): APIGatewayProxyEvent {
  const event = loadEvent('mcp-tools-call.json');
  const route = `/${server}/mcp`;
  const list: (readonly [string, string])[] = [
    ['Host', 'abcd123456.execute-api.eu-west-1.amazonaws.com'],
    ...credentialHeaders(server),
    ...spec.headers,
  ];
  const multi = new Map<string, string[]>();
  for (const [name, value] of list) multi.set(name, [...(multi.get(name) ?? []), value]);
  const query = new Map<string, string[]>();
  for (const [name, value] of spec.query) query.set(name, [...(query.get(name) ?? []), value]);
  return {
    ...event,
    resource: route,
    path: route,
    httpMethod: spec.method,
    headers: Object.fromEntries(list),
    multiValueHeaders: Object.fromEntries(multi),
    queryStringParameters:
      query.size === 0
        ? null
        : Object.fromEntries([...query].map(([name, values]) => [name, values[values.length - 1]])),
    multiValueQueryStringParameters: query.size === 0 ? null : Object.fromEntries(query),
    body: spec.body === null ? null : Buffer.isBuffer(spec.body) ? spec.body.toString('base64') : spec.body,
    isBase64Encoded: Buffer.isBuffer(spec.body),
    requestContext: {
      ...event.requestContext,
      resourcePath: route,
      httpMethod: spec.method,
      authorizer: authorizerContext(server, variant) as never,
    },
  };
}

function httpApiEvent(spec: McpRequestSpec, server: DemoServer, variant: ContextVariant): APIGatewayProxyEventV2 {
  const event = loadEvent<APIGatewayProxyEventV2>('mcp-http-api-tools-call.json');
  const route = `/${server}/mcp`;
  const headers: Record<string, string> = { host: 'wxyz987654.execute-api.eu-west-1.amazonaws.com' };
  for (const [name, value] of [...credentialHeaders(server), ...spec.headers]) {
    const lower = name.toLowerCase();
    headers[lower] = headers[lower] === undefined ? value : `${headers[lower]},${value}`;
  }
  const context = authorizerContext(server, variant);
  return {
    ...event,
    routeKey: `${spec.method} ${route}`,
    rawPath: route,
    rawQueryString: new URLSearchParams(spec.query as [string, string][]).toString(),
    headers: Object.fromEntries(Object.entries(headers)),
    body: spec.body === null ? undefined : Buffer.isBuffer(spec.body) ? spec.body.toString('base64') : spec.body,
    isBase64Encoded: Buffer.isBuffer(spec.body),
    requestContext: {
      ...event.requestContext,
      routeKey: `${spec.method} ${route}`,
      http: { ...event.requestContext.http, method: spec.method, path: route },
      authorizer: context === null ? undefined : ({ lambda: context } as never),
    } as APIGatewayProxyEventV2['requestContext'],
  };
}

interface Tallies {
  statuses: Record<string, number>;
  bodyKinds: Record<string, number>;
  serverErrors: string[];
  stackTraces: string[];
  notJson: string[];
  internalErrorNames: string[];
  ms: number[];
}

function newTallies(): Tallies {
  return {
    statuses: {},
    bodyKinds: {},
    serverErrors: [],
    stackTraces: [],
    notJson: [],
    internalErrorNames: [],
    ms: [],
  };
}

function assess(t: Tallies, label: string, status: number, body: string, ms: number): void {
  tally(t.statuses, String(status));
  t.ms.push(ms);
  if (status >= 500) t.serverErrors.push(`${status} ${label}: ${body.slice(0, 200)}`);
  if (hasStackTrace(body)) t.stackTraces.push(`${label}: ${body.slice(0, 300)}`);
  if (!isJsonOrEmpty(body)) t.notJson.push(`${status} ${label}: ${body.slice(0, 120)}`);
  if (INTERNAL_ERROR_NAME.test(body)) t.internalErrorNames.push(`${status} ${label}: ${body.slice(0, 200)}`);
}

function summary(t: Tallies, runs: number, seconds: number): Record<string, unknown> {
  return {
    runs,
    seconds,
    statuses: t.statuses,
    bodyKinds: t.bodyKinds,
    responses5xx: t.serverErrors.length,
    stackTraces: t.stackTraces.length,
    nonJsonBodies: t.notJson.length,
    bodiesNamingAnInternalError: t.internalErrorNames.length,
    internalErrorExamples: [
      ...new Set(t.internalErrorNames.map((line) => line.replace(/^\d+ [^:]+: /, '').slice(0, 160))),
    ].slice(0, 3),
    latencyMs: percentiles(t.ms),
    crashes: crashes.length,
  };
}

describe('MCP handler fuzzing', () => {
  it(`${HANDLER_RUNS} malformed requests as proxy events: no 5xx, no stack trace, no throw`, async () => {
    const t = newTallies();
    const started = performance.now();
    await fc.assert(
      fc.asyncProperty(
        mcpRequests,
        fc.constantFrom(...SERVERS),
        contextVariant,
        fc.nat(9).map((n) => (n === 0 ? '2.0' : '1.0')),
        async (spec, server, variant, version) => {
          const event = version === '1.0' ? restEvent(spec, server, variant) : httpApiEvent(spec, server, variant);
          const begun = performance.now();
          const result = await handler(event);
          tally(t.bodyKinds, `${spec.bodyKind}:${result.statusCode}`);
          const label = `${version} ${spec.method} ${server} ${variant} ${spec.bodyKind}`;
          assess(t, label, result.statusCode, result.body ?? '', performance.now() - begun);
        },
      ),
      { numRuns: HANDLER_RUNS, seed, endOnFailure: true },
    );
    figures.handler = summary(t, HANDLER_RUNS, Math.round((performance.now() - started) / 100) / 10);
    expect(t.serverErrors).toEqual([]);
    expect(t.stackTraces).toEqual([]);
    expect(t.notJson).toEqual([]);
    expect(crashes).toEqual([]);
  });

  it(`${GATEWAY_RUNS} malformed requests over HTTP through the local gateway and the real authorizer: no 5xx`, async () => {
    type Credentials = 'own' | 'other-server' | 'invalid' | 'none';
    const cases = fc.sample(
      fc.record({
        spec: mcpRequests,
        server: fc.constantFrom(...SERVERS),
        credentials: fc.oneof(
          { weight: 6, arbitrary: fc.constant<Credentials>('own') },
          { weight: 1, arbitrary: fc.constantFrom<Credentials>('other-server', 'invalid', 'none') },
        ),
        path: fc.oneof(
          { weight: 12, arbitrary: fc.constant<string | undefined>(undefined) },
          {
            weight: 1,
            arbitrary: fc.constantFrom<string | undefined>(
              '/demo-apikey/mcp/',
              '/demo-apikey/MCP',
              '/nowhere',
              '//demo-apikey/mcp',
              '/demo-apikey/mcp%2F',
              '/demo-public/mcp/../mcp',
              '/',
            ),
          },
        ),
      }),
      { numRuns: GATEWAY_RUNS, seed: seed + 1 },
    );
    const t = newTallies();
    const started = performance.now();
    await pool(cases.length, GATEWAY_CONCURRENCY, async (index) => {
      const { spec, server, credentials, path } = cases[index];
      tally(t.bodyKinds, spec.bodyKind);
      const headers: (readonly [string, string])[] = [...spec.headers];
      if (credentials === 'own') headers.push(...credentialHeaders(server));
      if (credentials === 'other-server')
        headers.push(...credentialHeaders(server === 'demo-apikey' ? 'demo-passthrough' : 'demo-apikey'));
      if (credentials === 'invalid')
        headers.push(['x-api-key', 'mcpg_' + 'x'.repeat(32)], ['Authorization', 'Bearer nothing-here']);
      const query =
        spec.query.length === 0 ? '' : `?${new URLSearchParams(spec.query as [string, string][]).toString()}`;
      const response = await http.send({
        method: spec.method,
        path: (path ?? `/${server}/mcp`) + query,
        headers: Object.fromEntries(headers),
        body: spec.body ?? undefined,
      });
      assess(
        t,
        `${spec.method} ${path ?? server} ${credentials} ${spec.bodyKind}`,
        response.status,
        response.body,
        response.ms,
      );
    });
    figures.gateway = summary(t, GATEWAY_RUNS, Math.round((performance.now() - started) / 100) / 10);
    expect(t.serverErrors).toEqual([]);
    expect(t.stackTraces).toEqual([]);
    expect(t.notJson).toEqual([]);
    expect(crashes).toEqual([]);
  });

  it('malformed HTTP on the wire: the gateway answers 4xx or closes, and keeps serving', async () => {
    const { port } = new URL(stack.baseUrl);
    const raw = [
      'GARBAGE\r\n\r\n',
      'POST /demo-public/mcp HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n',
      'POST /demo-public/mcp HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!',
      'POST /demo-public/mcp HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
      'POST /demo-public/mcp HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n',
      'POST /demo-public/mcp HTTP/1.1\r\nHost: x\r\nx-api-key: a\u0000b\r\n\r\n',
      'POST /demo-apikey/mcp HTTP/9.9\r\nHost: x\r\n\r\n',
      `POST /demo-apikey/mcp HTTP/1.1\r\nHost: x\r\n${'X-Long: ' + 'a'.repeat(20_000)}\r\n\r\n`,
      'POST http://evil.example/demo-apikey/mcp HTTP/1.1\r\nHost: evil.example\r\nContent-Length: 0\r\n\r\n',
      'POST /demo-apikey/mcp HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n{"jsonrpc"',
    ];
    const statuses: string[] = [];
    for (const request of raw) statuses.push(await rawExchange(Number(port), request));
    figures.wire = { requests: raw.length, statuses };
    for (const status of statuses) expect(status === 'closed' || Number(status) < 500).toBe(true);

    const after = await http.send({
      path: '/demo-public/mcp',
      headers: { accept: MCP_ACCEPT, 'content-type': 'application/json' },
      body: '{"jsonrpc":"2.0","id":1,"method":"ping"}',
    });
    expect(after.status).toBe(200);
  });

  // Header and query names like Object.prototype's properties (constructor, toString, __proto__)
  // once made the local gateway answer 502; the fuzz runs above leave them out, this covers them.
  it('a header or query parameter called "constructor" or "toString" is no client error worth a 5xx', async () => {
    const ping = { accept: MCP_ACCEPT, 'content-type': 'application/json' };
    const body = '{"jsonrpc":"2.0","id":1,"method":"ping"}';
    const header = await http.send({ path: '/demo-public/mcp', headers: { ...ping, constructor: 'x' }, body });
    const query = await http.send({ path: '/demo-public/mcp?toString=1', headers: ping, body });
    figures.prototypeNames = { headerStatus: header.status, queryStatus: query.status };
    expect(header.status).toBeLessThan(500);
    expect(query.status).toBeLessThan(500);
  });

  it('logs no API key, digest or Authorization value', () => {
    const findings = secrets.scan(logs.text());
    figures.secrets = { logLines: logs.lineCount(), ...secrets.counts, occurrences: findings.length };
    expect(findings).toEqual([]);
  });
});

/** Sends raw bytes and returns the status of the answer, or `closed` when the server hung up without one. */
function rawExchange(port: number, request: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let data = '';
    const done = (): void => {
      clearTimeout(timer);
      socket.destroy();
      const match = /^HTTP\/1\.[01] (\d{3})/.exec(data);
      resolve(match ? match[1] : 'closed');
    };
    const timer = setTimeout(done, 2000);
    socket.on('data', (chunk) => {
      data += chunk.toString('latin1');
      if (/^HTTP\/1\.[01] \d{3}/.test(data)) done();
    });
    socket.on('error', done);
    socket.on('close', done);
    socket.write(request, 'latin1');
  });
}
