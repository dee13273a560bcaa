import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { periodStart } from '../../config/plans';
import { runKeysCli } from '../../cli/keys';
import { createDocumentClient } from '../../lambdas/keys/dynamo-client';
import { DynamoKeyStore } from '../../lambdas/keys/dynamo-key-store';
import { GATEWAY_RESPONSES } from '../../lib/gateway-responses';
import type { LocalStack } from '../../local/stack';
import { startTestStack } from '../helpers/local-stack';

/**
 * Usage plans through `npm start`'s stack: the gateway refuses a key over its plan's throttle
 * or quota with the deployed stack's 429 gateway responses, counts exactly the requests it lets
 * through, and leaves other keys and public servers alone. The stack's clock stands still
 * unless a test moves it, so the token bucket refills only when told to.
 */

const DAY_MS = 86_400_000;
let stack: LocalStack;
/** Noon (UTC) of the real today: `keys usage` through the CLI, which reads the real date, sees the same day. */
let nowMs = periodStart('DAY', Date.now()).getTime() + DAY_MS / 2;

beforeAll(async () => {
  stack = await startTestStack({ clock: () => nowMs });
});

afterAll(async () => {
  await stack.close();
});

const INITIALIZE = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'plans', version: '1.0.0' } },
});

async function call(server: string, apiKey?: string, on: LocalStack = stack): Promise<Response> {
  return fetch(`${on.baseUrl}/${server}/mcp`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...(apiKey ? { 'x-api-key': apiKey } : {}),
    },
    body: INITIALIZE,
  });
}

/** Sends `count` requests at once; answers their statuses, and the first refusal as received. */
async function burst(count: number, apiKey: string, server = 'demo-apikey', on: LocalStack = stack) {
  const responses = await Promise.all(Array.from({ length: count }, () => call(server, apiKey, on)));
  const refused = responses.find((r) => r.status !== 200);
  const bodies = await Promise.all(responses.map((r) => r.text()));
  return {
    statuses: responses.map((r) => r.status),
    refused: refused && {
      status: refused.status,
      retryAfter: refused.headers.get('retry-after'),
      body: bodies[responses.indexOf(refused)],
    },
  };
}

describe('usage plans through the local stack', () => {
  it('throttles a demo-tight key, then ends its day at the quota, while a default key and a public server keep working', async () => {
    const tight = await stack.keys.create({ server: 'demo-apikey', plan: 'demo-tight' });
    const roomy = await stack.keys.create({ server: 'demo-apikey' });
    expect(roomy.record.plan).toBe('default');

    // Burst 2: of 5 requests at once, 2 pass and 3 are throttled.
    const first = await burst(5, tight.apiKey);
    expect(first.statuses.filter((s) => s === 200)).toHaveLength(2);
    expect(first.statuses.filter((s) => s === 429)).toHaveLength(3);
    expect(first.refused).toEqual({
      status: 429,
      retryAfter: GATEWAY_RESPONSES.THROTTLED.headers!['Retry-After'],
      body: GATEWAY_RESPONSES.THROTTLED.body,
    });
    expect((await burst(10, roomy.apiKey)).statuses).toEqual(Array(10).fill(200));
    expect((await call('demo-public')).status).toBe(200);

    // Rate 2/s: each second refills two; 20 accepted calls use up the day.
    let accepted = 2;
    while (accepted < 20) {
      nowMs += 1000;
      const round = await burst(3, tight.apiKey);
      expect(round.statuses.filter((s) => s === 200)).toHaveLength(2);
      accepted += 2;
    }
    nowMs += 1000;
    const over = await burst(1, tight.apiKey);
    expect(over.refused).toEqual({
      status: 429,
      retryAfter: GATEWAY_RESPONSES.QUOTA_EXCEEDED.headers!['Retry-After'],
      body: GATEWAY_RESPONSES.QUOTA_EXCEEDED.body,
    });
    expect(JSON.parse(over.refused!.body).error.message).toMatch(/quota is used up.*next UTC day/);
    expect((await burst(3, roomy.apiKey)).statuses).toEqual([200, 200, 200]);

    // `keys usage` (the CLI, on the stack's embedded DynamoDB) counts exactly the accepted calls.
    const out: string[] = [];
    const code = await runKeysCli(['usage', tight.record.keyId, '--days', '2', '--json'], {
      out: (text) => out.push(text),
      err: () => {},
      env: { DYNAMODB_ENDPOINT: stack.dynamodbEndpoint, MCP_GATE_STATE_FILE: '/nonexistent/state.json' },
    });
    expect(code).toBe(0);
    const today = new Date(nowMs).toISOString().slice(0, 10);
    const yesterday = new Date(nowMs - DAY_MS).toISOString().slice(0, 10);
    expect(JSON.parse(out.join(''))).toEqual({
      keyId: tight.record.keyId,
      plan: 'demo-tight',
      days: [
        { date: yesterday, used: 0, remaining: 20 },
        { date: today, used: 20, remaining: 0 },
      ],
    });
    const roomyUsage = await stack.keys.usage(roomy.record.keyId, 1);
    expect(roomyUsage.days).toEqual([{ date: today, used: 13, remaining: null }]);

    // The next UTC day starts a fresh quota.
    nowMs = periodStart('DAY', nowMs).getTime() + DAY_MS + 1000;
    expect((await call('demo-apikey', tight.apiKey)).status).toBe(200);
    expect((await stack.keys.usage(tight.record.keyId, 2)).days.map((d) => [d.used, d.remaining])).toEqual([
      [20, 0],
      [1, 19],
    ]);
  });

  it('moves a key to another plan with set-plan', async () => {
    const key = await stack.keys.create({ server: 'demo-apikey', plan: 'demo-tight' });
    expect((await burst(4, key.apiKey)).statuses.filter((s) => s === 200)).toHaveLength(2);
    await stack.keys.setPlan(key.record.keyId, 'default');
    nowMs += 1000; // the gateway re-reads a key's plan after a second
    expect((await burst(10, key.apiKey)).statuses).toEqual(Array(10).fill(200));
  });

  it('refuses a key with no usage identifier (made before plans) with 403 until sync-plans', async () => {
    const key = await stack.keys.create({ server: 'demo-apikey' });
    const stored = (await stack.keys.list()).find((k) => k.keyId === key.record.keyId)!;
    expect(stored.needsSync).toBeUndefined();
    const store = new DynamoKeyStore(createDocumentClient({ endpoint: stack.dynamodbEndpoint }), stack.tableName);
    const record = (await store.getByKeyId(key.record.keyId))!;
    await store.setPlanFields(record.digest, { plan: undefined, usageIdentifierKey: undefined });
    nowMs += 61_000; // past both authorizer caches

    const refused = await call('demo-apikey', key.apiKey);
    expect(refused.status).toBe(403);
    expect(await refused.text()).toBe(GATEWAY_RESPONSES.INVALID_API_KEY.body);
    expect((await stack.keys.list()).find((k) => k.keyId === key.record.keyId)).toMatchObject({
      plan: 'default',
      needsSync: true,
    });

    expect(await stack.keys.syncPlans()).toMatchObject({ backfilled: 1 });
    expect(await stack.keys.syncPlans()).toMatchObject({ backfilled: 0 });
    nowMs += 61_000;
    expect((await call('demo-apikey', key.apiKey)).status).toBe(200);
  });

  it('keeps the quota counters across a restart (they live with the keys in the embedded DynamoDB)', async () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), 'mcp-gate-plans-')), 'dynamodb');
    const clock = () => nowMs;
    const first = await startTestStack({ inMemory: false, dataDir, clock });
    const key = await first.keys.create({ server: 'demo-apikey', plan: 'demo-tight' });
    try {
      expect((await burst(2, key.apiKey, 'demo-apikey', first)).statuses).toEqual([200, 200]);
    } finally {
      await first.close();
    }
    nowMs += 1000;
    const second = await startTestStack({ inMemory: false, dataDir, clock });
    try {
      const [today] = (await second.keys.usage(key.record.keyId, 1)).days;
      expect(today).toMatchObject({ used: 2, remaining: 18 });
      expect((await burst(1, key.apiKey, 'demo-apikey', second)).statuses).toEqual([200]);
      expect((await second.keys.usage(key.record.keyId, 1)).days[0]).toMatchObject({ used: 3, remaining: 17 });
    } finally {
      await second.close();
    }
  });
});
