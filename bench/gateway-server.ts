/**
 * A helper process for part 3: one local stack (embedded DynamoDB in memory, demo downstream,
 * the local API Gateway running the real handlers) on free 127.0.0.1 ports, with one key for
 * each keyed demo server. Prints `{"baseUrl": …, "keys": {server: apiKey}}` once ready and
 * runs until it is sent SIGTERM. Run it with LOG_LEVEL=warn: the handlers log each request
 * to stdout otherwise, which would measure the logging more than the gateway. The keys' plan
 * never binds (its throttle and daily quota are far above any load here), so the gateway pays
 * for a plan check and a counter update on every request without refusing one;
 * BENCH_USAGE_PLANS=off turns plans off, to measure that cost. API_TYPE=http emulates an HTTP
 * API instead of a REST API, as `npm start` does (it has no usage plans).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { API_TYPES, type ApiType } from '../lib/api-type';
import { startLocalStack } from '../local/stack';
import { serveRequests } from './child';
import { inclusiveTime, profile } from './profile';

/** Functions whose time is the cost of authorization in this process, as `name@file`. */
const AUTH_FUNCTIONS = [
  'evaluatePolicy@local/iam.ts',
  'identityValues@local/gateway.ts',
  'handler@lambdas/authorizer/handler.ts',
  'authorizerContextOf@lambdas/mcp/api-gateway.ts',
  'resolveInvocation@lambdas/mcp/invocation.ts',
] as const;

async function main(): Promise<void> {
  const apiType = (process.env.API_TYPE ?? 'rest') as ApiType;
  if (!API_TYPES.includes(apiType)) throw new Error(`API_TYPE must be one of ${API_TYPES.join(', ')}`);
  const stack = await startLocalStack({
    apiType,
    port: 0,
    dynamodbPort: 0,
    downstreamPort: 0,
    inMemory: true,
    usagePlans: process.env.BENCH_USAGE_PLANS !== 'off',
    plans: [{ name: 'default', throttle: { rateLimit: 1e6, burstLimit: 1e6 }, quota: { limit: 1e12, period: 'DAY' } }],
  });
  const keys: Record<string, string> = {};
  for (const server of stack.servers) {
    if (server.authMode === 'none') continue;
    keys[server.name] = (await stack.keys.create({ server: server.name, label: 'bench' })).apiKey;
  }
  process.stdout.write(
    JSON.stringify({ baseUrl: stack.baseUrl, keys, logLevel: process.env.LOG_LEVEL ?? 'info' }) + '\n',
  );
  // `{"profileMs": N}`: profile this process for N ms (the parent sends load meanwhile).
  serveRequests(async (message) => {
    const { profileMs } = message as { profileMs: number };
    return inclusiveTime(await profile(() => sleep(profileMs), 200), AUTH_FUNCTIONS);
  });
  const stop = () => {
    void stack.close().then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
