/**
 * Renders the figures of the last `npm run test:reliability` (RESULTS_FILE) as RELIABILITY.md.
 * The suite's global teardown calls it after a run in which every section recorded its figures.
 */
import { readFileSync } from 'node:fs';
import { RESULTS_FILE } from './helpers/results';

interface Fragment {
  readonly recordedAt: string;
  readonly machine: { nproc: number; cpu: string; node: string; platform: string };
  readonly figures: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** The sections a complete run records, one per test file. */
export const SECTIONS = ['authorizer-fuzz', 'mcp-fuzz', 'isolation', 'revocation', 'faults', 'load'] as const;

export interface ReliabilityResults {
  readonly sections: Record<string, Fragment>;
}

export function readResults(): ReliabilityResults {
  return JSON.parse(readFileSync(RESULTS_FILE, 'utf8')) as ReliabilityResults;
}

/** RELIABILITY.md's text for `results`; `wall` is the run's wall time, when known. */
export function renderReliabilityReport(results: ReliabilityResults, wall?: string): string {
  const section = (name: string): Record<string, any> => results.sections[name]?.figures ?? {}; // eslint-disable-line @typescript-eslint/no-explicit-any
  const n = (value: unknown): string =>
    typeof value === 'number' ? value.toLocaleString('en-US') : String(value ?? '–');
  const ms = (p: Record<string, number> | undefined): string =>
    p ? `p50 ${p.p50} ms, p99 ${p.p99} ms, max ${p.max} ms` : '–';
  const sum = (values: Record<string, number> | undefined, test: (key: string) => boolean): number =>
    Object.entries(values ?? {}).reduce((total, [key, count]) => total + (test(key) ? count : 0), 0);

  const authorizer = section('authorizer-fuzz');
  const mcp = section('mcp-fuzz');
  const isolation = section('isolation');
  const revocation = section('revocation');
  const faults = section('faults');
  const load = section('load');
  const fragments = Object.values(results.sections);
  const machine = fragments[0]?.machine;
  const dates = fragments.map((f) => f.recordedAt).sort();
  const secretsOf = Object.values(results.sections).map((f) => f.figures.secrets ?? {});

  const rows: string[][] = [
    [
      'Authorizer fuzz: `AuthorizerCore`, `DynamoKeyStore` on dynalite, lookup cache on',
      `${n(authorizer.core?.runs)} generated header sets (payload 1.0 and 2.0), ${n(authorizer.core?.seconds)} s`,
      `**0 Allow without a valid key of that server**, 0 throws. ${n(authorizer.core?.outcomes?.allow)} allowed, ${n(authorizer.core?.outcomes?.['policy-for-another-server'])} cross-server (403 here: the key's own-server Allow or an explicit Deny), ${n(authorizer.core?.outcomes?.unauthorized)} 401; ${n(authorizer.core?.keyStoreReads)} DynamoDB reads`,
    ],
    [
      'Authorizer fuzz: Lambda `handler`',
      `${n(authorizer.handler?.runs)} generated events`,
      `**0 wrong Allows; nothing thrown but \`Unauthorized\`** (${n(authorizer.handler?.outcomes?.Unauthorized)} times)`,
    ],
    [
      'MCP fuzz: `handler` with REST (90 %) and HTTP API proxy events',
      `${n(mcp.handler?.runs)} malformed requests, ${n(mcp.handler?.seconds)} s`,
      `**${n(mcp.handler?.responses5xx)} responses 5xx, ${n(mcp.handler?.stackTraces)} stack traces, ${n(mcp.handler?.crashes)} crashes**, ${n(mcp.handler?.nonJsonBodies)} non-JSON bodies; ${ms(mcp.handler?.latencyMs)}`,
    ],
    [
      'MCP fuzz over HTTP: local gateway + real authorizer + handler',
      `${n(mcp.gateway?.runs)} malformed requests, concurrency 8`,
      `**${n(mcp.gateway?.responses5xx)} responses 5xx, ${n(mcp.gateway?.stackTraces)} stack traces**; ${ms(mcp.gateway?.latencyMs)}; ${n(mcp.wire?.requests)} malformed HTTP messages on the wire: ${(mcp.wire?.statuses ?? []).join(', ')}`,
    ],
    [
      'Isolation: authorizer core',
      `${n(isolation.keyedServers)} keyed servers (+${n(isolation.servers - isolation.keyedServers)} public, ${n(isolation.routes)} routes) × ${n(isolation.keysPerServer)} keys: ${n(isolation.core?.decisions)} decisions cold + warm, ${n(isolation.core?.cachedReuseChecks)} cached-policy re-evaluations`,
      `**${n(isolation.core?.wrong)} cross-server Allows**; warm pass served from the lookup cache (${n(isolation.core?.keyStoreReads)} reads for ${n(isolation.keyedServers * isolation.keysPerServer)} keys)`,
    ],
    [
      'Isolation: through the local gateway',
      `${n(isolation.gateway?.requests)} requests: cold, own (cache warmed), warm, then shuffled × 3 at concurrency 10`,
      `**${n(isolation.gateway?.wrong)} wrong answers** (${n(sum(isolation.gateway?.statuses, (k) => k.includes(':cross:403')))} cross-server 403)`,
    ],
    [
      `Revocation, \`AUTH_CACHE_TTL_SECONDS=${n(revocation.ttlSeconds)}\``,
      `${n(revocation.revocation?.trials?.length)} keys revoked at different cache phases while polled every ${n(revocation.pollIntervalMs)} ms`,
      `rejected within the TTL: **largest delay ${n(revocation.revocation?.maxDelayMs)} ms** (last request let through sent ${n(revocation.revocation?.maxLastAllowedMs)} ms after the revocation)`,
    ],
    [
      'Expiry',
      `${n(revocation.expiry?.trials?.length)} keys expiring while polled`,
      `**largest delay ${n(revocation.expiry?.maxDelayMs)} ms** after \`expiresAt\``,
    ],
    [
      'Fault: DynamoDB stopped during load',
      `${n(faults.keyStoreOutage?.requests)} requests at concurrency ${n(faults.keyStoreOutage?.concurrency)}, outage ${n(faults.keyStoreOutage?.outageMs)} ms`,
      `**${n(faults.keyStoreOutage?.allowedWithoutCachedKey)} Allows for keys not cached**; uncached keys got 500 (${n(faults.keyStoreOutage?.counts?.['outage:fresh:500'])} fresh, ${n(faults.keyStoreOutage?.counts?.['outage:unknown:500'])} unknown), cached keys kept working (${n(faults.keyStoreOutage?.counts?.['outage:cached:200'])} × 200); logged as \`key-store-unavailable\` (${n(faults.keyStoreOutage?.storeErrorLogLines)} lines), never as a denial; answering again ${n(faults.keyStoreOutage?.firstUnknownKeyAnswerAfterRestartMs)} ms after the restart began`,
    ],
    [
      'Fault: slow and stalled downstream',
      `${n(faults.slowDownstream?.slow?.calls)} slow + ${n(faults.slowDownstream?.stalledBody?.calls)} stalled-body tool calls, tool timeout ${n(faults.slowDownstream?.toolTimeoutMs)} ms`,
      `HTTP 200 with tool error "${faults.slowDownstream?.slow?.text ?? '–'}"; ${ms(faults.slowDownstream?.slow?.latencyMs)} end to end`,
    ],
    [
      'Fault: downstream redirects to another origin',
      `${n(faults.crossOriginRedirect?.cases)} tool calls (301/302/303/307/308, caller's and tool's own Authorization, chains)`,
      `**${n(faults.crossOriginRedirect?.authorizationForwardedToOtherOrigin)} Authorization headers at the other origin** (${n(faults.crossOriginRedirect?.requestsAtOtherOrigin)} requests there), ${n(faults.crossOriginRedirect?.authorizationAfterReturningToAllowedOrigin)} after redirecting back`,
    ],
    [
      'Load: local gateway, real authorizer and handler (`tools/call whoami`)',
      `${n(load.result?.answered)} requests at concurrency ${n(load.connections)}: ${n(load.mix?.['own-key'])} own key, ${n(load.mix?.['other-server-key'])} other server's key, ${n(sum(load.mix, (k) => !['own-key', 'other-server-key', 'public'].includes(k)))} invalid, ${n(load.mix?.public)} public`,
      `**${n(load.result?.wrongDecisions)} wrong decisions** (status, and whoami's server and keyId on every 200); ${n(load.result?.requestsPerSecond)} req/s; latency p50 ${n(load.result?.latencyMs?.p50)} ms, p90 ${n(load.result?.latencyMs?.p90)} ms, **p99 ${n(load.result?.latencyMs?.p99)} ms**, max ${n(load.result?.latencyMs?.max)} ms`,
    ],
    [
      'Secrets in logs (every file, whole run)',
      `${n(secretsOf.reduce((t, s) => t + (s.logLines ?? 0), 0))} log lines; ${n(secretsOf.reduce((t, s) => t + (s.apiKeys ?? 0), 0))} API keys, as many digests, ${n(secretsOf.reduce((t, s) => t + (s.authorizations ?? 0), 0))} Authorization values`,
      `**${n(secretsOf.reduce((t, s) => t + (s.occurrences ?? 0), 0))} occurrences** (any 16-character piece of a key, digest or token)`,
    ],
  ];

  const fixed: string[][] = [
    [
      "Revocation could take up to 2 × TTL: the authorizer's lookup cache and API Gateway's result cache stacked (bearerPassthrough key, new Authorization value). Fixed: the bound is split between them (config/auth-cache.ts)",
      `${Number.isFinite(revocation.stackedCaches?.lastAllowedMs) ? `last request allowed ${n(revocation.stackedCaches?.lastAllowedMs)} ms after the revocation` : 'no request allowed after the revocation'}; rejected from ${n(revocation.stackedCaches?.delayMs)} ms on, with TTL ${n(revocation.ttlSeconds)} s`,
    ],
    [
      "A path-parameter route (`/shared/{id}`) became `…/shared/*` in the policy and opened another server's route under it. Fixed: overlapping routes are refused when the configuration loads",
      'refused with a ConfigError',
    ],
    [
      "A valid key sent where its own server does not read it (a bearerPassthrough key without Authorization on another server's route; an apiKey server's key as an oauth server's bearer) got its own server's Allow: 403 on that route, but an Allow made from credentials its server would refuse. Fixed: an explicit Deny",
      `every such request 403; ${n(authorizer.core?.outcomes?.allow)} Allows in the fuzz run, each with a valid key of the route's server`,
    ],
    [
      'Local gateway: a header or query parameter named `constructor`, `toString`, … got 502. Fixed: prototype-free maps',
      `header → ${n(mcp.prototypeNames?.headerStatus)}, query → ${n(mcp.prototypeNames?.queryStatus)}`,
    ],
  ];

  const table = (head: string[], body: string[][]): string =>
    [
      `| ${head.join(' | ')} |`,
      `|${head.map(() => '---').join('|')}|`,
      ...body.map((row) => `| ${row.join(' | ')} |`),
    ].join('\n');

  return `# Reliability

Generated by \`npm run test:reliability\` (also run by \`.ci/run\`): ${wall ? `${wall} wall time, ` : ''}all traffic on 127.0.0.1.
Run ${dates[0]?.slice(0, 10) ?? '–'} on ${n(machine?.nproc)} × ${machine?.cpu ?? '–'} (${machine?.platform ?? '–'}), Node ${machine?.node ?? '–'};
figures from \`${RESULTS_FILE.replace(/^.*\//, '$TMPDIR/')}\`, rendered by \`test/reliability/report.ts\` when the suite ends.
Seeds: authorizer ${String(authorizer.seed)}, MCP ${String(mcp.seed)}, load ${String(load.seed)} (\`RELIABILITY_SEED=<n>\` replays one).

${table(['check', 'volume', 'result'], rows)}

Latencies are measured in the same process as the gateway, the authorizer, the MCP handler and
dynalite (one event loop on a 2-core machine): they bound the local stack's overhead, not API
Gateway's or Lambda's.

### Bugs this suite found, now fixed (each keeps a test)

${table(['bug', 'now'], fixed)}

### Notes

- The oracle for "valid key" trims the header value as the authorizer does (\`String.prototype.trim\`,
  which also removes a byte-order mark): \` <key>\\t\` is that key.
- ${n((mcp.handler?.bodiesNamingAnInternalError ?? 0) + (mcp.gateway?.bodiesNamingAnInternalError ?? 0))} fuzz answers were a 400 from the MCP SDK's transport for very deeply nested JSON
  (e.g. in an error's \`data\`) whose JSON-RPC \`data\` is \`"RangeError: Maximum call stack size exceeded"\`:
  a 4xx and no stack trace, but an internal error message reaches the client.
`;
}
