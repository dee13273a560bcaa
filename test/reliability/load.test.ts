import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import fc from 'fast-check';
import { createLogger } from '../../lambdas/shared/logger';
import type { LocalStack } from '../../local/stack';
import { startTestStack } from '../helpers/local-stack';
import { captureLogs, type LogCapture } from './helpers/capture';
import { MCP_ACCEPT } from './helpers/mcp-fuzz';
import { recordFigures, tally } from './helpers/results';
import { SecretRegistry } from './helpers/secrets';

/**
 * Load: ≥50,000 requests at concurrency 50 through the local gateway (real authorizer,
 * real MCP handler, DynamoDB on dynalite), mixing valid keys, invalid keys and keys of the
 * other server. Each request's right answer is known before it is sent; 0 wrong decisions.
 */
const REQUESTS = 50_000;
const CONNECTIONS = 50;
const KEYS_PER_SERVER = 10;
const UNKNOWN_KEYS = 500;
const seed = Number(process.env.RELIABILITY_SEED ?? Date.now() % 2_147_483_647);

// autocannon ships no types: the part used here.
interface AutocannonRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
}
interface AutocannonResult {
  requests: { total: number; average: number };
  latency: { p50: number; p90: number; p99: number; p999?: number; max: number; average: number };
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
}
type Autocannon = (options: Record<string, unknown>) => Promise<AutocannonResult>;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const autocannon = require('autocannon') as Autocannon;

type Server = 'demo-apikey' | 'demo-passthrough' | 'demo-public';
type Class =
  | 'own-key'
  | 'other-server-key'
  | 'malformed'
  | 'unknown'
  | 'revoked'
  | 'expired'
  | 'missing-authorization'
  | 'no-key'
  | 'public';

interface Case {
  readonly cls: Class;
  readonly server: Server;
  readonly headers: Record<string, string>;
  readonly status: 200 | 401 | 403;
  /** For 200: the key id whoami must report (null on the public server). */
  readonly keyId?: string | null;
}

interface Held {
  readonly apiKey: string;
  readonly keyId: string;
  readonly authorization?: string;
}

let stack: LocalStack;
let logs: LogCapture;
const secrets = new SecretRegistry();
const figures: Record<string, unknown> = { seed, requests: REQUESTS, connections: CONNECTIONS };
const held: Record<'demo-apikey' | 'demo-passthrough', { valid: Held[]; revoked: Held[]; expired: Held[] }> = {
  'demo-apikey': { valid: [], revoked: [], expired: [] },
  'demo-passthrough': { valid: [], revoked: [], expired: [] },
};

beforeAll(async () => {
  logs = captureLogs();
  stack = await startTestStack({
    cacheTtlSeconds: 60,
    // Usage plans would throttle this load; they have their own suite (usage-plans.test.ts).
    usagePlans: false,
    logger: createLogger('local-gateway', { level: 'debug', sink: logs.sink }),
  });
  for (const server of ['demo-apikey', 'demo-passthrough'] as const) {
    const hold = async (expiresInSeconds?: number): Promise<Held> => {
      const issued = await stack.keys.create({ server, expiresInSeconds });
      return {
        apiKey: secrets.addApiKey(issued.apiKey),
        keyId: issued.record.keyId,
        authorization: server === 'demo-passthrough' ? secrets.newAuthorization() : undefined,
      };
    };
    for (let i = 0; i < KEYS_PER_SERVER; i++) held[server].valid.push(await hold());
    for (let i = 0; i < 3; i++) {
      const revoked = await hold();
      await stack.keys.revoke(revoked.keyId);
      held[server].revoked.push(revoked);
      held[server].expired.push(await hold(1));
    }
  }
  await new Promise((resolve) => setTimeout(resolve, 2100)); // the expiring keys are now expired
});

afterAll(async () => {
  await stack?.close();
  logs?.restore();
  recordFigures('load', figures);
});

/** The request mix, decided before anything is sent. */
function plan(count: number): Case[] {
  const unknown = Array.from({ length: UNKNOWN_KEYS }, () => 'mcpg_' + randomBytes(24).toString('base64url'));
  const keyed = fc.constantFrom('demo-apikey' as const, 'demo-passthrough' as const);
  /**
   * The headers a client of `target` sends with `key` (a held key or a bare string): Authorization
   * goes to demo-passthrough, and with every key of demo-passthrough, which is only valid with one
   * (so using it elsewhere is a 403, never a 401).
   */
  const withCredentials = (target: 'demo-apikey' | 'demo-passthrough', key: Held | string): Record<string, string> => {
    const apiKey = typeof key === 'string' ? key : key.apiKey;
    const own = typeof key === 'string' ? undefined : key.authorization;
    if (own !== undefined) return { 'x-api-key': apiKey, authorization: own };
    if (target === 'demo-passthrough')
      return { 'x-api-key': apiKey, authorization: held['demo-passthrough'].valid[0].authorization! };
    return { 'x-api-key': apiKey };
  };
  const other = (server: 'demo-apikey' | 'demo-passthrough') =>
    server === 'demo-apikey' ? 'demo-passthrough' : 'demo-apikey';
  const arbitrary: fc.Arbitrary<Case> = fc.oneof(
    {
      weight: 40,
      arbitrary: fc.tuple(keyed, fc.nat()).map(([server, i]) => {
        const key = held[server].valid[i % KEYS_PER_SERVER];
        return {
          cls: 'own-key' as const,
          server,
          headers: withCredentials(server, key),
          status: 200 as const,
          keyId: key.keyId,
        };
      }),
    },
    {
      weight: 22,
      arbitrary: fc.tuple(keyed, fc.nat()).map(([server, i]) => ({
        cls: 'other-server-key' as const,
        server,
        headers: withCredentials(server, held[other(server)].valid[i % KEYS_PER_SERVER]),
        status: 403 as const,
      })),
    },
    {
      weight: 8,
      arbitrary: fc.tuple(keyed, fc.string({ maxLength: 40 })).map(([server, text]) => ({
        cls: 'malformed' as const,
        server,
        headers: withCredentials(server, `x${text.replace(/[^\x21-\x7e]/g, '')}`),
        status: 401 as const,
      })),
    },
    {
      weight: 10,
      arbitrary: fc.tuple(keyed, fc.nat()).map(([server, i]) => ({
        cls: 'unknown' as const,
        server,
        headers: withCredentials(server, unknown[i % UNKNOWN_KEYS]),
        status: 401 as const,
      })),
    },
    {
      weight: 5,
      arbitrary: fc.tuple(keyed, fc.nat()).map(([server, i]) => ({
        cls: 'revoked' as const,
        server,
        headers: withCredentials(server, held[server].revoked[i % 3]),
        status: 401 as const,
      })),
    },
    {
      weight: 5,
      arbitrary: fc.tuple(keyed, fc.nat()).map(([server, i]) => ({
        cls: 'expired' as const,
        server,
        headers: withCredentials(server, held[server].expired[i % 3]),
        status: 401 as const,
      })),
    },
    {
      weight: 3,
      arbitrary: fc.nat().map((i) => ({
        cls: 'missing-authorization' as const,
        server: 'demo-passthrough' as const,
        headers: { 'x-api-key': held['demo-passthrough'].valid[i % KEYS_PER_SERVER].apiKey },
        status: 401 as const,
      })),
    },
    {
      weight: 2,
      arbitrary: keyed.map((server) => ({ cls: 'no-key' as const, server, headers: {}, status: 401 as const })),
    },
    {
      weight: 5,
      arbitrary: fc.constant({
        cls: 'public' as const,
        server: 'demo-public' as const,
        headers: {},
        status: 200 as const,
        keyId: null,
      }),
    },
  );
  return fc.sample(arbitrary, { numRuns: count, seed });
}

describe('load through the local gateway', () => {
  it(`${REQUESTS} mixed requests at concurrency ${CONNECTIONS}: 0 wrong decisions`, async () => {
    // A few more cases than requests: a connection may build its next request before the run stops.
    const cases = plan(REQUESTS + CONNECTIONS * 2);
    figures.mix = cases
      .slice(0, REQUESTS)
      .reduce<Record<string, number>>((mix, c) => ({ ...mix, [c.cls]: (mix[c.cls] ?? 0) + 1 }), {});
    let next = 0;
    let answered = 0;
    const answers: Record<string, number> = {};
    const wrong: string[] = [];

    const result = await autocannon({
      url: stack.baseUrl,
      connections: CONNECTIONS,
      amount: REQUESTS,
      timeout: 30,
      requests: [
        {
          setupRequest: (request: AutocannonRequest, context: Record<string, unknown>) => {
            const index = next++ % cases.length;
            const planned = cases[index];
            context.index = index;
            return {
              ...request,
              method: 'POST',
              path: `/${planned.server}/mcp`,
              headers: { accept: MCP_ACCEPT, 'content-type': 'application/json', ...planned.headers },
              body: JSON.stringify({
                jsonrpc: '2.0',
                id: index,
                method: 'tools/call',
                params: { name: 'whoami', arguments: {} },
              }),
            };
          },
          onResponse: (
            status: number,
            body: string,
            context: Record<string, unknown>,
            _headers: IncomingHttpHeaders,
          ) => {
            answered++;
            const planned = cases[context.index as number];
            tally(answers, `${planned.cls}:${status}`);
            if (status !== planned.status) {
              wrong.push(`${planned.cls} on ${planned.server}: ${status}, expected ${planned.status}`);
              return;
            }
            if (status === 200) {
              const parsed = JSON.parse(body) as { id?: number; result?: { content: { text: string }[] } };
              const whoami = JSON.parse(parsed.result?.content[0]?.text ?? '{}') as {
                server?: string;
                keyId?: string | null;
              };
              if (parsed.id !== context.index || whoami.server !== planned.server || whoami.keyId !== planned.keyId) {
                wrong.push(
                  `${planned.cls} on ${planned.server}: 200 for id ${String(parsed.id)} as ${JSON.stringify(whoami)}`,
                );
              }
            }
          },
        },
      ],
    });

    figures.result = {
      answered,
      wrongDecisions: wrong.length,
      wrongExamples: wrong.slice(0, 5),
      answers,
      seconds: result.duration,
      requestsPerSecond: Math.round(result.requests.average),
      latencyMs: {
        p50: result.latency.p50,
        p90: result.latency.p90,
        p99: result.latency.p99,
        max: result.latency.max,
        mean: Math.round(result.latency.average * 10) / 10,
      },
      errors: result.errors,
      timeouts: result.timeouts,
    };
    expect(wrong).toEqual([]);
    expect(result.errors).toBe(0);
    expect(result.timeouts).toBe(0);
    expect(answered).toBeGreaterThanOrEqual(REQUESTS);
  });

  it('logs no API key, digest or Authorization value', () => {
    const findings = secrets.scan(logs.text());
    figures.secrets = { logLines: logs.lineCount(), ...secrets.counts, occurrences: findings.length };
    expect(findings).toEqual([]);
  });
});
