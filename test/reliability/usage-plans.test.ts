import type { APIGatewayAuthorizerResult } from 'aws-lambda';
import { periodStart, type PlanConfig } from '../../config/plans';
import { generateUsageIdentifier } from '../../lambdas/keys/key-format';
import type { KeyRecord } from '../../lambdas/keys/key-store';
import { startEmbeddedDynamo, type EmbeddedDynamo } from '../../local/dynalite';
import type { LocalStack } from '../../local/stack';
import { ensureUsageTable, UsageCounters } from '../../local/usage-counters';
import { createLocalUsagePlans } from '../../local/usage-plans';
import { startTestStack } from '../helpers/local-stack';
import { pool } from './helpers/http';

/**
 * Usage plans under concurrency: however many requests arrive at once, no key gets more than
 * its plan allows (burst, then quota), and one key's counters never move another's.
 */
const DAY_MS = 86_400_000;

describe('usage plans under concurrency, in the embedded DynamoDB', () => {
  let dynamo: EmbeddedDynamo;
  let counters: UsageCounters;
  const nowMs = periodStart('DAY', Date.UTC(2030, 0, 15)).getTime() + DAY_MS / 2;

  beforeAll(async () => {
    dynamo = await startEmbeddedDynamo();
    await ensureUsageTable(dynamo.client);
    counters = new UsageCounters(dynamo.client);
  });

  afterAll(async () => {
    await dynamo.close();
  });

  /** A plan whose burst never binds, so the quota alone decides. */
  const roomyBurst = (period: 'DAY' | 'WEEK' | 'MONTH', limit: number): PlanConfig => ({
    name: `quota-${period.toLowerCase()}`,
    throttle: { rateLimit: 1000, burstLimit: 10_000 },
    quota: { limit, period },
  });

  it.each(['DAY', 'WEEK', 'MONTH'] as const)(
    'admits exactly the %s quota of each key when 6 keys send 40 requests each, 48 at a time',
    async (period) => {
      const plan = roomyBurst(period, 25);
      const keyIds = Array.from({ length: 6 }, (_, i) => `key_${period.toLowerCase()}${String(i).padStart(12, '0')}`);
      // 48 requests in flight at a time (more only times out connecting to dynalite on a busy machine), keys interleaved.
      const outcomes: boolean[] = [];
      await pool(keyIds.length * 40, 48, async (i) => {
        outcomes.push(await counters.admit(keyIds[i % keyIds.length], plan, nowMs));
      });
      expect(outcomes.filter(Boolean)).toHaveLength(6 * 25);
      for (const keyId of keyIds) {
        const [today] = await counters.usage({ keyId } as KeyRecord, plan, 1, new Date(nowMs));
        expect(today).toEqual({ date: new Date(nowMs).toISOString().slice(0, 10), used: 25, remaining: 0 });
      }
      const untouched = await counters.usage({ keyId: 'key_untouched00000' } as KeyRecord, plan, 1, new Date(nowMs));
      expect(untouched[0]).toMatchObject({ used: 0, remaining: 25 });
    },
  );

  it('throttles and counts each key on its own through the gateway’s plan check', async () => {
    const plan: PlanConfig = {
      name: 'tight',
      throttle: { rateLimit: 2, burstLimit: 3 },
      quota: { limit: 7, period: 'DAY' },
    };
    const records = new Map<string, KeyRecord>();
    for (let i = 0; i < 6; i++) {
      const keyId = `key_gate${String(i).padStart(12, '0')}`;
      records.set(keyId, { keyId, plan: 'tight', usageIdentifierKey: generateUsageIdentifier() } as KeyRecord);
    }
    let clock = nowMs + DAY_MS;
    const plans = createLocalUsagePlans({
      lookup: async (keyId) => records.get(keyId),
      counters,
      plans: [plan],
      nowMs: () => clock,
    });
    const result = (record: KeyRecord): APIGatewayAuthorizerResult =>
      ({ usageIdentifierKey: record.usageIdentifierKey, context: { keyId: record.keyId } }) as never;

    const admitted = new Map<string, number>();
    for (let round = 0; round < 6; round++) {
      const answers = await Promise.all(
        [...records.values()].flatMap((record) =>
          Array.from({ length: 20 }, async () => ({ keyId: record.keyId, refused: await plans.admit(result(record)) })),
        ),
      );
      for (const { keyId, refused } of answers) if (!refused) admitted.set(keyId, (admitted.get(keyId) ?? 0) + 1);
      if (round === 0) for (const keyId of records.keys()) expect(admitted.get(keyId)).toBe(3);
      clock += 1000;
    }
    for (const keyId of records.keys()) {
      expect(admitted.get(keyId)).toBe(7);
      const [, today] = await counters.usage(records.get(keyId)!, plan, 2, new Date(clock));
      expect(today.used).toBe(7);
    }
    // An identifier that does not match the key's own is refused, never counted against anyone.
    const [first] = records.values();
    expect(await plans.admit({ usageIdentifierKey: 'f'.repeat(40), context: { keyId: first.keyId } } as never)).toBe(
      'INVALID_API_KEY',
    );
  });
});

describe('usage plans under concurrency, through the local stack', () => {
  let stack: LocalStack;
  const nowMs = periodStart('DAY', Date.now()).getTime() + DAY_MS / 2;

  beforeAll(async () => {
    stack = await startTestStack({ clock: () => nowMs });
  });

  afterAll(async () => {
    await stack.close();
  });

  it('lets each demo-tight key through exactly its burst while default keys and a public server are unaffected', async () => {
    const tight = await Promise.all(
      Array.from({ length: 4 }, () => stack.keys.create({ server: 'demo-apikey', plan: 'demo-tight' })),
    );
    const roomy = await Promise.all(Array.from({ length: 2 }, () => stack.keys.create({ server: 'demo-apikey' })));
    const post = (apiKey?: string, server = 'demo-apikey') =>
      fetch(`${stack.baseUrl}/${server}/mcp`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          ...(apiKey ? { 'x-api-key': apiKey } : {}),
        },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
      }).then(async (r) => {
        await r.arrayBuffer();
        return r.status;
      });
    const sent = [
      ...tight.flatMap((key) =>
        Array.from({ length: 12 }, () => post(key.apiKey).then((s) => ({ key: key.record.keyId, s }))),
      ),
      ...roomy.flatMap((key) =>
        Array.from({ length: 12 }, () => post(key.apiKey).then((s) => ({ key: key.record.keyId, s }))),
      ),
      ...Array.from({ length: 12 }, () => post(undefined, 'demo-public').then((s) => ({ key: 'public', s }))),
    ];
    const answers = await Promise.all(sent);
    const accepted = (key: string) => answers.filter((a) => a.key === key && a.s !== 429).length;
    for (const key of tight) expect(accepted(key.record.keyId)).toBe(2);
    for (const key of roomy) expect(accepted(key.record.keyId)).toBe(12);
    expect(accepted('public')).toBe(12);
    for (const key of [...tight, ...roomy]) {
      const [today] = (await stack.keys.usage(key.record.keyId, 1)).days;
      expect(today.used).toBe(accepted(key.record.keyId));
    }
  });
});
