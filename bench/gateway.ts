/**
 * Part 3: the local gateway over loopback. autocannon (in this process) sends tools/call
 * (`echo`) to each demo server of one local stack that runs in a helper process
 * (bench/gateway-server.ts, LOG_LEVEL=warn), so the load generator and the server each have a
 * core. Rounds alternate between the servers; every response must be a 200. `npm run bench`
 * runs it once per API type (`serverEnv.API_TYPE`).
 */
import { join } from 'node:path';
import { startHelper } from './child';
import { percentiles, ratio, summarize, type Summary } from './stats';

// autocannon ships no types; only what is used here is declared.
interface AutocannonResult {
  readonly duration: number;
  readonly errors: number;
  readonly timeouts: number;
  readonly non2xx: number;
  readonly '2xx': number;
}
interface AutocannonInstance extends PromiseLike<AutocannonResult> {
  on(
    event: 'response',
    listener: (client: unknown, statusCode: number, bytes: number, responseTimeMs: number) => void,
  ): void;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const autocannon = require('autocannon') as (options: Record<string, unknown>) => AutocannonInstance;

export const GATEWAY_SERVERS = ['demo-public', 'demo-apikey', 'demo-passthrough'] as const;
export type GatewayServer = (typeof GATEWAY_SERVERS)[number];

export interface GatewayBenchOptions {
  readonly rounds: number;
  readonly roundSeconds: number;
  readonly warmupSeconds: number;
  readonly connections: number;
  /** Seconds of load per server while the stack's process profiles itself. */
  readonly profileSeconds: number;
  /** Extra environment for the stack's process (BENCH_USAGE_PLANS=off, API_TYPE=http). @default none */
  readonly serverEnv?: Readonly<Record<string, string>>;
}

export interface GatewayServerResult {
  /** Requests per second (all 200). */
  readonly rps: Summary;
  /** Per-round latency percentiles, milliseconds. */
  readonly p50: Summary;
  readonly p99: Summary;
  /** rps relative to demo-public, paired by round. */
  readonly rpsVsPublic: Summary;
  readonly p50VsPublic: Summary;
  readonly requests: number;
  /** Inclusive CPU share of the authorization functions in the stack's process under load (`name@file` → percent). */
  readonly authProfile: Record<string, number>;
}

export interface GatewayResults {
  readonly servers: Record<GatewayServer, GatewayServerResult>;
  readonly connections: number;
  readonly profileSeconds: number;
  readonly roundSeconds: number;
  readonly logLevel: string;
}

const BODY = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'tools/call',
  params: { name: 'echo', arguments: { text: 'hello from the benchmark' } },
});

function headersFor(server: GatewayServer, keys: Record<string, string>): Record<string, string> {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
  };
  if (server !== 'demo-public') headers['x-api-key'] = keys[server];
  if (server === 'demo-passthrough') headers.authorization = 'Bearer bench-downstream-token';
  return headers;
}

async function checkOnce(url: string, headers: Record<string, string>): Promise<void> {
  const response = await fetch(url, { method: 'POST', headers, body: BODY });
  const text = await response.text();
  if (response.status !== 200 || !text.includes('hello from the benchmark')) {
    throw new Error(`${url} answered ${response.status}: ${text.slice(0, 200)}`);
  }
}

async function load(
  url: string,
  headers: Record<string, string>,
  seconds: number,
  connections: number,
): Promise<{ rps: number; latencies: number[]; total: number }> {
  const latencies: number[] = [];
  const instance = autocannon({ url, method: 'POST', headers, body: BODY, connections, duration: seconds });
  instance.on('response', (_client, _status, _bytes, responseTimeMs) => latencies.push(responseTimeMs));
  const result = await instance;
  if (result.non2xx > 0 || result.errors > 0 || result.timeouts > 0) {
    throw new Error(`${url}: ${result.non2xx} non-2xx responses, ${result.errors} errors, ${result.timeouts} timeouts`);
  }
  return { rps: result['2xx'] / result.duration, latencies, total: result['2xx'] };
}

export async function runGatewayBench(
  options: GatewayBenchOptions,
  log: (line: string) => void,
): Promise<GatewayResults> {
  const stack = await startHelper<{ baseUrl: string; keys: Record<string, string>; logLevel: string }>(
    join(__dirname, 'gateway-server.ts'),
    { env: { LOG_LEVEL: 'warn', ...options.serverEnv }, timeoutMs: 60_000 },
  );
  try {
    const { baseUrl, keys } = stack.info;
    if (!new URL(baseUrl).hostname.startsWith('127.')) throw new Error(`refusing to load ${baseUrl}: not loopback`);
    const target = (server: GatewayServer) => ({ url: `${baseUrl}/${server}/mcp`, headers: headersFor(server, keys) });
    for (const server of GATEWAY_SERVERS) {
      const { url, headers } = target(server);
      await checkOnce(url, headers);
      await load(url, headers, options.warmupSeconds, options.connections);
    }
    log(`  local stack ${baseUrl} (LOG_LEVEL=${stack.info.logLevel}); warmed up`);
    const rounds = new Map<GatewayServer, { rps: number; p50: number; p99: number; total: number }[]>(
      GATEWAY_SERVERS.map((s) => [s, []]),
    );
    for (let round = 0; round < options.rounds; round++) {
      for (const server of GATEWAY_SERVERS) {
        const { url, headers } = target(server);
        const measured = await load(url, headers, options.roundSeconds, options.connections);
        const [p50, p99] = percentiles(measured.latencies, [0.5, 0.99]);
        rounds.get(server)!.push({ rps: measured.rps, p50, p99, total: measured.total });
      }
    }
    // One profiled stretch per server, after the measured rounds (the profiler slows the process).
    const profiles = new Map<GatewayServer, Record<string, number>>();
    for (const server of GATEWAY_SERVERS) {
      const { url, headers } = target(server);
      const [answer] = await Promise.all([
        stack.request<{ percent: Record<string, number> }>({ profileMs: options.profileSeconds * 1000 - 250 }),
        load(url, headers, options.profileSeconds, options.connections),
      ]);
      profiles.set(server, answer.percent);
    }
    const of = (server: GatewayServer, field: 'rps' | 'p50' | 'p99') =>
      summarize(rounds.get(server)!.map((r) => r[field]));
    const publicRps = of('demo-public', 'rps');
    const publicP50 = of('demo-public', 'p50');
    const servers = Object.fromEntries(
      GATEWAY_SERVERS.map((server) => {
        const rps = of(server, 'rps');
        const p50 = of(server, 'p50');
        return [
          server,
          {
            rps,
            p50,
            p99: of(server, 'p99'),
            rpsVsPublic: ratio(rps, publicRps),
            p50VsPublic: ratio(p50, publicP50),
            requests: rounds.get(server)!.reduce((sum, r) => sum + r.total, 0),
            authProfile: profiles.get(server)!,
          },
        ];
      }),
    ) as Record<GatewayServer, GatewayServerResult>;
    return {
      servers,
      connections: options.connections,
      profileSeconds: options.profileSeconds,
      roundSeconds: options.roundSeconds,
      logLevel: stack.info.logLevel,
    };
  } finally {
    await stack.stop();
  }
}
