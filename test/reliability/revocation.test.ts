import { createLogger } from '../../lambdas/shared/logger';
import type { LocalStack } from '../../local/stack';
import { startTestStack } from '../helpers/local-stack';
import { captureLogs, type LogCapture } from './helpers/capture';
import { createHttpClient, type HttpClient } from './helpers/http';
import { MCP_ACCEPT } from './helpers/mcp-fuzz';
import { recordFigures } from './helpers/results';
import { SecretRegistry } from './helpers/secrets';

/**
 * Revocation and expiry: with AUTH_CACHE_TTL_SECONDS = 2, a key revoked (or expiring)
 * while a client keeps using it through the local gateway is rejected within the TTL; the
 * largest delay observed is reported. Trials run side by side, each with its own key and
 * poller, revoked at a different phase of the cache.
 */
const TTL_SECONDS = 2;
const TTL_MS = TTL_SECONDS * 1000;
/** Above the TTL: the authorizer's own latency and the poll interval. */
const SLACK_MS = 500;
const POLL_INTERVAL_MS = 10;
const REVOCATION_TRIALS = { 'demo-apikey': 4, 'demo-passthrough': 2 } as const;
const EXPIRY_TRIALS = { 'demo-apikey': 2, 'demo-passthrough': 1 } as const;

type Server = keyof typeof REVOCATION_TRIALS;

let stack: LocalStack;
let logs: LogCapture;
let http: HttpClient;
const secrets = new SecretRegistry();
const figures: Record<string, unknown> = {
  ttlSeconds: TTL_SECONDS,
  slackMs: SLACK_MS,
  pollIntervalMs: POLL_INTERVAL_MS,
};

beforeAll(async () => {
  logs = captureLogs();
  stack = await startTestStack({
    cacheTtlSeconds: TTL_SECONDS,
    // Polling every 10 ms exceeds the default plan's throttle; usage plans have their own suite.
    usagePlans: false,
    logger: createLogger('local-gateway', { level: 'debug', sink: logs.sink }),
  });
  http = createHttpClient(stack.baseUrl, 20);
});

afterAll(async () => {
  http?.close();
  await stack?.close();
  logs?.restore();
  recordFigures('revocation', figures);
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Sample {
  /** Wall-clock send time (ms since the epoch). */
  readonly sentAt: number;
  readonly status: number;
}

/** Sends a ping with `headers` to `server` every few ms until `stop()` is true. */
async function poll(server: Server, headers: () => Record<string, string>, stop: () => boolean): Promise<Sample[]> {
  const samples: Sample[] = [];
  let id = 0;
  while (!stop()) {
    const sentAt = Date.now();
    const res = await http.send({
      path: `/${server}/mcp`,
      headers: { accept: MCP_ACCEPT, 'content-type': 'application/json', ...headers() },
      body: JSON.stringify({ jsonrpc: '2.0', id: ++id, method: 'ping' }),
    });
    samples.push({ sentAt, status: res.status });
    await sleep(POLL_INTERVAL_MS);
  }
  return samples;
}

interface Measured {
  /** From `from` to the send time of the first request of the final run of rejections. */
  readonly delayMs: number;
  /** Latest send time of an allowed request, relative to `from` (negative: none after it). */
  readonly lastAllowedMs: number;
  readonly requests: number;
  readonly statuses: readonly number[];
}

function measure(samples: readonly Sample[], from: number): Measured {
  let lastAllowed = -Infinity;
  for (const sample of samples) if (sample.status === 200) lastAllowed = Math.max(lastAllowed, sample.sentAt);
  const firstRejected = samples.find((sample) => sample.sentAt > lastAllowed);
  return {
    delayMs: firstRejected ? firstRejected.sentAt - from : Infinity,
    lastAllowedMs: lastAllowed - from,
    requests: samples.length,
    statuses: [...new Set(samples.map((sample) => sample.status))].sort(),
  };
}

function credentials(server: Server, apiKey: string, authorization: string): Record<string, string> {
  return server === 'demo-passthrough' ? { 'x-api-key': apiKey, authorization } : { 'x-api-key': apiKey };
}

/** Uses a key, revokes it `phaseMs` after its first use (a different point of the cache's life each trial), polls on. */
async function revocationTrial(
  server: Server,
  phaseMs: number,
): Promise<Measured & { server: string; phaseMs: number }> {
  const issued = await stack.keys.create({ server });
  const headers = credentials(server, secrets.addApiKey(issued.apiKey), secrets.newAuthorization());
  let revokedAt = Infinity;
  const polling = poll(
    server,
    () => headers,
    () => Date.now() > revokedAt + TTL_MS + 1500,
  );
  await sleep(phaseMs);
  await stack.keys.revoke(issued.record.keyId);
  revokedAt = Date.now();
  const samples = await polling;
  return { server, phaseMs, ...measure(samples, revokedAt) };
}

/** Uses a key that expires in 2 s (at a whole second) until well after it expired. */
async function expiryTrial(server: Server): Promise<Measured & { server: string }> {
  const issued = await stack.keys.create({ server, expiresInSeconds: 2 });
  const expiresAtMs = issued.record.expiresAt! * 1000;
  const headers = credentials(server, secrets.addApiKey(issued.apiKey), secrets.newAuthorization());
  const samples = await poll(
    server,
    () => headers,
    () => Date.now() > expiresAtMs + TTL_MS + 1500,
  );
  return { server, ...measure(samples, expiresAtMs) };
}

describe(`revocation and expiry with AUTH_CACHE_TTL_SECONDS=${TTL_SECONDS}`, () => {
  it('a revoked or expired key is rejected (401) within the TTL while a client keeps using it', async () => {
    const revocations = Object.entries(REVOCATION_TRIALS).flatMap(([server, count]) =>
      Array.from({ length: count }, (_, i) => revocationTrial(server as Server, 60 + Math.round((i * TTL_MS) / count))),
    );
    const expiries = Object.entries(EXPIRY_TRIALS).flatMap(([server, count]) =>
      Array.from({ length: count }, () => expiryTrial(server as Server)),
    );
    const [revoked, expired] = await Promise.all([Promise.all(revocations), Promise.all(expiries)]);

    const round = (value: number) => Math.round(value);
    figures.revocation = {
      trials: revoked.map((t) => ({
        server: t.server,
        phaseMs: t.phaseMs,
        delayMs: round(t.delayMs),
        lastAllowedMs: round(t.lastAllowedMs),
        requests: t.requests,
      })),
      maxDelayMs: round(Math.max(...revoked.map((t) => t.delayMs))),
      maxLastAllowedMs: round(Math.max(...revoked.map((t) => t.lastAllowedMs))),
    };
    figures.expiry = {
      trials: expired.map((t) => ({
        server: t.server,
        delayMs: round(t.delayMs),
        lastAllowedMs: round(t.lastAllowedMs),
        requests: t.requests,
      })),
      maxDelayMs: round(Math.max(...expired.map((t) => t.delayMs))),
      maxLastAllowedMs: round(Math.max(...expired.map((t) => t.lastAllowedMs))),
    };
    for (const trial of [...revoked, ...expired]) {
      expect(trial.statuses).toEqual([200, 401]);
      // No request sent later than TTL + slack after the revocation (or expiry) got through, and the
      // key stayed rejected from then on. (By send time: a slow poll can only make this smaller.)
      expect(trial.lastAllowedMs).toBeLessThanOrEqual(TTL_MS + SLACK_MS);
      expect(trial.delayMs).toBeLessThan(TTL_MS + 1500);
    }
  });

  // The two caches stack: API Gateway caches, per identity-source values, an answer the
  // authorizer may have made from its lookup cache. A new Authorization value is a new identity
  // for the gateway, answered from a lookup made earlier; the TTL split (config/auth-cache.ts)
  // keeps the sum within AUTH_CACHE_TTL_SECONDS.
  it('a revoked bearerPassthrough key used with a new Authorization value is rejected within the TTL', async () => {
    const issued = await stack.keys.create({ server: 'demo-passthrough' });
    const apiKey = secrets.addApiKey(issued.apiKey);
    const [first, second] = [secrets.newAuthorization(), secrets.newAuthorization()];
    const ping = (authorization: string) =>
      http.send({
        path: '/demo-passthrough/mcp',
        headers: { accept: MCP_ACCEPT, 'content-type': 'application/json', 'x-api-key': apiKey, authorization },
        body: '{"jsonrpc":"2.0","id":1,"method":"ping"}',
      });

    const firstUse = Date.now();
    expect((await ping(first)).status).toBe(200); // the authorizer looks the key up now
    await sleep(100);
    await stack.keys.revoke(issued.record.keyId);
    const revokedAt = Date.now();
    // Halfway between "would be stale beyond the bound" and "lookup already expired": robust to a slow machine.
    await sleep(firstUse + 1300 - Date.now());
    const secondStatus = (await ping(second)).status; // new identity for the gateway, lookup still cached
    const samples = await poll(
      'demo-passthrough',
      () => ({ 'x-api-key': apiKey, authorization: second }),
      () => Date.now() > revokedAt + 2 * TTL_MS + 1000,
    );
    const measured = measure(samples, revokedAt);
    figures.stackedCaches = {
      secondAuthorizationStatus: secondStatus,
      delayMs: Math.round(measured.delayMs),
      lastAllowedMs: Math.round(measured.lastAllowedMs),
    };
    expect(measured.lastAllowedMs).toBeLessThanOrEqual(TTL_MS + SLACK_MS);
  });

  it('logs no API key, digest or Authorization value', () => {
    const findings = secrets.scan(logs.text());
    figures.secrets = { logLines: logs.lineCount(), ...secrets.counts, occurrences: findings.length };
    expect(findings).toEqual([]);
  });
});
