import { randomBytes } from 'node:crypto';
import { resolveServers } from '../../config/validate';
import { KeyService } from '../../lambdas/keys/key-service';
import { createHandler } from '../../lambdas/mcp/handler';
import { createLogger } from '../../lambdas/shared/logger';
import type { LocalStack } from '../../local/stack';
import { startTestStack } from '../helpers/local-stack';
import { startEmbeddedDynamo, type EmbeddedDynamo } from '../../local/dynalite';
import { captureLogs, type LogCapture } from './helpers/capture';
import { startCustomGateway, type CustomGateway } from './helpers/gateway';
import { createHttpClient, type HttpClient } from './helpers/http';
import { MCP_ACCEPT } from './helpers/mcp-fuzz';
import { startProbeServer, type ProbeServer } from './helpers/probe-server';
import { percentiles, recordFigures, tally } from './helpers/results';
import { SecretRegistry } from './helpers/secrets';

/**
 * Faults: the embedded DynamoDB stopped under load (fail closed for keys not cached,
 * a clear error, recovery when it returns); a slow downstream (a clean tool error at the
 * tool's timeout); a downstream that redirects to another origin (Authorization not forwarded).
 */
const TTL_SECONDS = 30;
const CONCURRENCY = 10;
const TOOL_TIMEOUT_MS = 300;
const REDIRECT_STATUSES = [301, 302, 303, 307, 308];

const secrets = new SecretRegistry();
const figures: Record<string, unknown> = {};
let logs: LogCapture;

beforeAll(() => {
  logs = captureLogs();
});

afterAll(() => {
  logs?.restore();
  recordFigures('faults', figures);
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const ping = (id: number) => JSON.stringify({ jsonrpc: '2.0', id, method: 'ping' });

describe('the key store stops during load', () => {
  let stack: LocalStack;
  let http: HttpClient;

  beforeAll(async () => {
    stack = await startTestStack({
      cacheTtlSeconds: TTL_SECONDS,
      // Usage plans would throttle this load; they have their own suite (usage-plans.test.ts).
      usagePlans: false,
      logger: createLogger('local-gateway', { level: 'debug', sink: logs.sink }),
    });
    http = createHttpClient(stack.baseUrl, CONCURRENCY);
  });

  afterAll(async () => {
    http?.close();
    await stack?.close();
  });

  type Class = 'cached' | 'fresh' | 'unknown' | 'malformed' | 'recreated';
  interface Credential {
    readonly server: 'demo-apikey' | 'demo-passthrough';
    readonly headers: Record<string, string>;
  }

  async function issue(server: Credential['server']): Promise<Credential> {
    const { apiKey } = await stack.keys.create({ server });
    secrets.addApiKey(apiKey);
    const headers: Record<string, string> = { 'x-api-key': apiKey };
    if (server === 'demo-passthrough') headers.authorization = secrets.newAuthorization();
    return { server, headers };
  }

  it('fails closed (500, never 200) for keys not cached, keeps cached keys working, recovers when the store returns', async () => {
    const cached: Credential[] = [];
    const fresh: Credential[] = [];
    for (const server of ['demo-apikey', 'demo-passthrough'] as const) {
      for (let i = 0; i < 3; i++) cached.push(await issue(server));
      for (let i = 0; i < 10; i++) fresh.push(await issue(server));
    }
    let id = 0;
    for (const credential of cached) {
      const res = await http.send({
        path: `/${credential.server}/mcp`,
        headers: { accept: MCP_ACCEPT, 'content-type': 'application/json', ...credential.headers },
        body: ping(++id),
      });
      expect(res.status).toBe(200);
    }

    let phase = 'before';
    const recreated: Credential[] = [];
    const counts: Record<string, number> = {};
    const wrong: string[] = [];
    const ms: Record<string, number[]> = {};
    const failureAnswers = new Set<string>();
    let firstUnknownAnswerAfterRestart: number | undefined;
    let restartCalledAt = 0;
    let stop = false;

    const pick = (): [Class, Credential] => {
      const roll = Math.random();
      const random = <T>(list: readonly T[]): T => list[Math.floor(Math.random() * list.length)];
      const server = random(['demo-apikey', 'demo-passthrough'] as const);
      const withAuth = (apiKey: string) => ({
        'x-api-key': apiKey,
        ...(server === 'demo-passthrough' ? { authorization: 'Bearer unknown-key-probe' } : {}),
      });
      if (roll < 0.3) return ['cached', random(cached)];
      // Fresh keys stay unused until the store is down: then none of them can be in any cache.
      if (roll < 0.6 && phase !== 'before') return ['fresh', random(fresh)];
      if (roll < 0.75 && recreated.length > 0) return ['recreated', random(recreated)];
      if (roll < 0.9)
        return ['unknown', { server, headers: withAuth('mcpg_' + randomBytes(24).toString('base64url')) }];
      return ['malformed', { server, headers: withAuth('not-a-key') }];
    };
    const expected = (cls: Class, current: string): readonly number[] => {
      if (cls === 'malformed') return [401];
      if (current === 'outage') return cls === 'cached' ? [200, 500] : [500];
      if (current === 'restarting') return cls === 'cached' ? [200, 500] : [401, 500];
      if (cls === 'cached' || cls === 'recreated') return [200];
      return [401]; // fresh keys were in the in-memory table that the outage lost; unknown keys never existed
    };

    const worker = async (): Promise<void> => {
      while (!stop) {
        const [cls, credential] = pick();
        const current = phase;
        const res = await http.send({
          path: `/${credential.server}/mcp`,
          headers: { accept: MCP_ACCEPT, 'content-type': 'application/json', ...credential.headers },
          body: ping(++id),
        });
        tally(counts, `${current}:${cls}:${res.status}`);
        (ms[current] ??= []).push(res.ms);
        if (res.status === 500) failureAnswers.add(`${String(res.headers['x-amzn-errortype'])} ${res.body}`);
        if (cls === 'unknown' && phase === 'after' && res.status !== 500)
          firstUnknownAnswerAfterRestart ??= Date.now() - restartCalledAt;
        if (
          !expected(cls, current).includes(res.status) &&
          !(current !== phase && expected(cls, phase).includes(res.status))
        ) {
          wrong.push(`${current}→${phase} ${cls} ${credential.server}: ${res.status}`);
        }
      }
    };
    const workers = Array.from({ length: CONCURRENCY }, worker);

    await sleep(1500);
    const linesBefore = logs.jsonLines().length;
    await stack.stopDynamo();
    phase = 'outage';
    const outageStarted = Date.now();
    await sleep(3000);
    // Lookups in flight when the store stopped may still end as decisions: only later lines count.
    const outageLines = logs.jsonLines().slice(linesBefore);
    const settled = outageLines.filter((line) => Date.parse(String(line.time)) >= outageStarted + 250);
    phase = 'restarting';
    restartCalledAt = Date.now();
    await stack.startDynamo();
    const restartMs = Date.now() - restartCalledAt;
    const outageMs = restartCalledAt - outageStarted;
    phase = 'after';
    for (const server of ['demo-apikey', 'demo-passthrough'] as const)
      for (let i = 0; i < 3; i++) recreated.push(await issue(server));
    await sleep(2000);
    stop = true;
    await Promise.all(workers);

    const storeErrors = outageLines.filter((line) => line.reason === 'key-store-unavailable');
    const deniedDuringOutage = settled.filter(
      (line) => line.decision === 'unauthorized' && line.reason !== 'malformed-key',
    );
    const allowedUncached = Object.entries(counts)
      .filter(([key]) => /:(fresh|unknown|malformed):200$/.test(key) || /^(outage|restarting):recreated:200$/.test(key))
      .reduce((sum, [, n]) => sum + n, 0);
    figures.keyStoreOutage = {
      requests: Object.values(counts).reduce((a, b) => a + b, 0),
      concurrency: CONCURRENCY,
      outageMs,
      restartMs,
      firstUnknownKeyAnswerAfterRestartMs: firstUnknownAnswerAfterRestart,
      counts,
      allowedWithoutCachedKey: allowedUncached,
      wrong: wrong.length,
      failureAnswers: [...failureAnswers],
      storeErrorLogLines: storeErrors.length,
      storeErrorExample: storeErrors[0]
        ? { errorName: storeErrors[0].errorName, errorMessage: storeErrors[0].errorMessage }
        : null,
      unauthorizedLoggedDuringOutage: deniedDuringOutage.length,
      latencyMs: Object.fromEntries(Object.entries(ms).map(([name, values]) => [name, percentiles(values)])),
    };
    expect(wrong).toEqual([]);
    expect(allowedUncached).toBe(0);
    expect(counts['outage:fresh:500'] ?? 0).toBeGreaterThan(0);
    expect(counts['outage:unknown:500'] ?? 0).toBeGreaterThan(0);
    expect(counts['after:recreated:200'] ?? 0).toBeGreaterThan(0);
    expect(counts['after:unknown:401'] ?? 0).toBeGreaterThan(0);
    // A clear error: logged as an outage with the store's own error, never as a denial.
    expect(storeErrors.length).toBeGreaterThan(0);
    expect(storeErrors[0]).toMatchObject({ level: 'error', decision: 'error', errorName: 'KeyStoreUnavailableError' });
    expect(String(storeErrors[0].errorMessage)).toMatch(/GetItem failed/);
    expect(deniedDuringOutage).toEqual([]);
    // One gateway answer for every failure, which says what happened (lib/gateway-responses.ts).
    expect(failureAnswers.size).toBe(1);
    expect([...failureAnswers][0]).toMatch(/^AuthorizerConfigurationException \{.*could not be checked/);
  });
});

describe('downstream faults through the gateway, the authorizer and the MCP handler', () => {
  let dynamo: EmbeddedDynamo;
  let allowed: ProbeServer;
  let elsewhere: ProbeServer;
  let gateway: CustomGateway;
  let http: HttpClient;
  let passthroughKey: string;
  let apiKey: string;
  let authorization: string;

  beforeAll(async () => {
    const closed = await startProbeServer();
    const closedPort = new URL(closed.url).port;
    await closed.close();
    allowed = await startProbeServer();
    elsewhere = await startProbeServer();
    const servers = resolveServers([
      {
        name: 'faulty',
        authMode: 'bearerPassthrough',
        passthroughOrigins: [allowed.url],
        tools: [
          {
            kind: 'http',
            name: 'slow',
            description: 'waits',
            baseUrl: allowed.url,
            path: '/slow?ms={ms}',
            parameters: { ms: { type: 'number' } },
            timeoutMs: TOOL_TIMEOUT_MS,
          },
          {
            kind: 'http',
            name: 'stall',
            description: 'half a body',
            baseUrl: allowed.url,
            path: '/stall',
            timeoutMs: TOOL_TIMEOUT_MS,
          },
          {
            kind: 'http',
            name: 'refused',
            description: 'nobody listens',
            baseUrl: `http://127.0.0.1:${closedPort}`,
            timeoutMs: TOOL_TIMEOUT_MS,
          },
          {
            kind: 'http',
            name: 'follow',
            description: 'redirected',
            baseUrl: allowed.url,
            path: '/redirect?to={to}&status={status}',
            parameters: { to: { type: 'string' }, status: { type: 'number' } },
          },
        ],
      },
      {
        name: 'faulty-token',
        authMode: 'apiKey',
        tools: [
          {
            kind: 'http',
            name: 'follow_with_token',
            description: 'sends its own Authorization',
            baseUrl: allowed.url,
            path: '/redirect?to={to}&status={status}',
            headers: { Authorization: 'Bearer {token}' },
            parameters: { to: { type: 'string' }, status: { type: 'number' }, token: { type: 'string' } },
          },
        ],
      },
    ]);
    dynamo = await startEmbeddedDynamo('faults-keys');
    const service = new KeyService({ store: dynamo.store, servers });
    passthroughKey = secrets.addApiKey((await service.create({ server: 'faulty' })).apiKey);
    apiKey = secrets.addApiKey((await service.create({ server: 'faulty-token' })).apiKey);
    authorization = secrets.newAuthorization();
    const logger = createLogger('mcp', { level: 'debug', sink: logs.sink });
    gateway = await startCustomGateway({
      servers,
      store: dynamo.store,
      logger: createLogger('local-gateway', { level: 'debug', sink: logs.sink }),
      cacheTtlSeconds: 60,
      integration: createHandler({ servers, logger }) as never,
    });
    http = createHttpClient(gateway.baseUrl, 10);
  });

  afterAll(async () => {
    http?.close();
    await gateway?.close();
    await allowed?.close();
    await elsewhere?.close();
    await new Promise((resolve) => setTimeout(resolve, 200));
    await dynamo?.stop();
  });

  async function callTool(server: 'faulty' | 'faulty-token', name: string, args: Record<string, unknown>) {
    const headers: Record<string, string> = { accept: MCP_ACCEPT, 'content-type': 'application/json' };
    if (server === 'faulty') Object.assign(headers, { 'x-api-key': passthroughKey, authorization });
    else headers['x-api-key'] = apiKey;
    const res = await http.send({
      path: `/${server}/mcp`,
      headers,
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name, arguments: args } }),
    });
    const parsed = JSON.parse(res.body) as { result?: { isError?: boolean; content: { text: string }[] } };
    return {
      status: res.status,
      ms: res.ms,
      isError: parsed.result?.isError === true,
      text: parsed.result?.content[0]?.text ?? res.body,
    };
  }

  it(`a slow or stalled downstream becomes a clean tool error at the tool's timeout (${TOOL_TIMEOUT_MS} ms)`, async () => {
    const slow = await Promise.all(Array.from({ length: 5 }, () => callTool('faulty', 'slow', { ms: 10_000 })));
    const stalled = await Promise.all(Array.from({ length: 3 }, () => callTool('faulty', 'stall', {})));
    const refused = await callTool('faulty', 'refused', {});
    const fast = await callTool('faulty', 'slow', { ms: 10 });

    figures.slowDownstream = {
      toolTimeoutMs: TOOL_TIMEOUT_MS,
      slow: {
        calls: slow.length,
        statuses: [...new Set(slow.map((r) => r.status))],
        latencyMs: percentiles(slow.map((r) => r.ms)),
        text: slow[0].text,
      },
      stalledBody: { calls: stalled.length, latencyMs: percentiles(stalled.map((r) => r.ms)), text: stalled[0].text },
      refused: { status: refused.status, ms: Math.round(refused.ms), text: refused.text },
    };
    for (const result of [...slow, ...stalled]) {
      expect(result).toMatchObject({ status: 200, isError: true });
      expect(result.text).toMatch(new RegExp(`^(slow|stall): downstream did not answer within ${TOOL_TIMEOUT_MS} ms$`));
      expect(result.ms).toBeGreaterThanOrEqual(TOOL_TIMEOUT_MS - 5);
      expect(result.ms).toBeLessThan(TOOL_TIMEOUT_MS + 1000);
    }
    expect(refused).toMatchObject({ status: 200, isError: true });
    // ECONNREFUSED in Lambda; under jest the fetch error comes from another realm and is described as "TypeError: fetch failed".
    expect(refused.text).toMatch(
      /^refused: request to http:\/\/127\.0\.0\.1:\d+ failed \((ECONNREFUSED|TypeError: fetch failed)\)$/,
    );
    expect(refused.ms).toBeLessThan(TOOL_TIMEOUT_MS);
    expect(fast).toMatchObject({ status: 200, isError: false, text: '{"late":true}' });
    // The allow-listed origin did receive the caller's Authorization.
    expect(
      allowed.received.filter((r) => r.path.startsWith('/slow')).every((r) => r.authorization === authorization),
    ).toBe(true);
  });

  it('a redirect to another origin never carries the Authorization header there', async () => {
    const cases: { label: string; run: () => Promise<{ status: number; isError: boolean; text: string }> }[] = [];
    for (const status of REDIRECT_STATUSES) {
      cases.push({
        label: `passthrough ${status} → other origin`,
        run: () => callTool('faulty', 'follow', { to: `${elsewhere.url}/landing-${status}`, status }),
      });
      cases.push({
        label: `tool header ${status} → other origin`,
        run: () =>
          callTool('faulty-token', 'follow_with_token', {
            to: `${elsewhere.url}/token-landing-${status}`,
            status,
            token: tokenFor(status),
          }),
      });
    }
    // Same origin first (kept), then across; across and back (not restored on the way back).
    cases.push({
      label: 'same origin, then other origin',
      run: () =>
        callTool('faulty', 'follow', {
          to: `/redirect?to=${encodeURIComponent(`${elsewhere.url}/landing-chain`)}&status=302`,
          status: 302,
        }),
    });
    cases.push({
      label: 'other origin, then back',
      run: () =>
        callTool('faulty', 'follow', {
          to: `${elsewhere.url}/redirect?to=${encodeURIComponent(`${allowed.url}/back-home`)}`,
          status: 307,
        }),
    });

    const results: Record<string, string> = {};
    for (const { label, run } of cases) {
      const result = await run();
      results[label] = `${result.status}${result.isError ? ' tool error' : ''}`;
      expect(result).toMatchObject({ status: 200, isError: false });
    }

    const atOtherOrigin = elsewhere.received.filter((r) => r.path !== '/redirect' && !r.path.startsWith('/redirect?'));
    const redirectsFromOther = elsewhere.received.filter((r) => r.path.startsWith('/redirect'));
    const backHome = allowed.received.filter((r) => r.path === '/back-home');
    const firstHops = allowed.received.filter((r) => r.path.startsWith('/redirect'));
    figures.crossOriginRedirect = {
      cases: cases.length,
      results,
      requestsAtOtherOrigin: elsewhere.received.length,
      authorizationForwardedToOtherOrigin: elsewhere.received.filter((r) => r.authorization !== undefined).length,
      authorizationAfterReturningToAllowedOrigin: backHome.filter((r) => r.authorization !== undefined).length,
    };
    expect(atOtherOrigin.length).toBe(REDIRECT_STATUSES.length * 2 + 1);
    expect(redirectsFromOther.length).toBe(1);
    expect(elsewhere.received.map((r) => r.authorization)).toEqual(elsewhere.received.map(() => undefined));
    expect(backHome).toHaveLength(1);
    expect(backHome[0].authorization).toBeUndefined();
    // The first hop, at the allow-listed origin, did carry it: the header was dropped, not never sent.
    expect(firstHops.some((r) => r.authorization === authorization)).toBe(true);
    expect(firstHops.some((r) => r.authorization === `Bearer ${tokenFor(301)}`)).toBe(true);
  });

  it('logs no API key, digest or Authorization value (whole file)', () => {
    const findings = secrets.scan(logs.text());
    figures.secrets = { logLines: logs.lineCount(), ...secrets.counts, occurrences: findings.length };
    expect(findings).toEqual([]);
    // The scan covered the functions' EMF records and audit lines too.
    expect(logs.jsonLines().some((line) => '_aws' in line)).toBe(true);
    expect(logs.jsonLines().some((line) => line.audit === 'tool-call')).toBe(true);
  });
});

const tokens = new Map<number, string>();
/** A registered secret token for a tool's own Authorization header. */
function tokenFor(status: number): string {
  if (!tokens.has(status))
    tokens.set(status, secrets.addAuthorization(`tok${randomBytes(24).toString('base64url')}`).slice(0));
  return tokens.get(status)!;
}
