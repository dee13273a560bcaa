import { CreateApiKeyCommand, GetApiKeysCommand, GetUsageCommand } from '@aws-sdk/client-api-gateway';
import { ApiGatewayKeyPlans } from '../../cli/api-gateway-plans';
import { findPlan } from '../../config/plans';
import type { KeyRecord } from '../../lambdas/keys/key-store';

/**
 * The AWS adapter's parts moto cannot serve: GetUsage (a stub answers AWS's documented shape:
 * `items` maps the API key to one `[used, remaining]` pair per day, paged by `position`),
 * pacing CreateApiKey on TooManyRequests, and the warning near the 10,000-key limit.
 */
type Sent = { name: string; input: Record<string, unknown> };

function stubClient(answer: (command: Sent) => unknown) {
  const sent: Sent[] = [];
  return {
    sent,
    client: {
      send: async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
        const call = { name: command.constructor.name, input: command.input };
        sent.push(call);
        const out = answer(call);
        if (out instanceof Error) throw out;
        return out;
      },
    } as never,
  };
}

const KEY = { keyId: 'key_0123456789abcdef', apiKeyId: 'abc123', usageIdentifierKey: 'f'.repeat(40) } as KeyRecord;
const NOW = new Date('2026-03-10T15:00:00Z');

describe('ApiGatewayKeyPlans', () => {
  it('reads a key’s daily usage from GetUsage, across pages, oldest day first', async () => {
    const { client, sent } = stubClient(({ name, input }) => {
      expect(name).toBe(GetUsageCommand.name);
      return input.position === undefined
        ? {
            usagePlanId: 'plan-tight',
            startDate: '2026-03-08',
            endDate: '2026-03-10',
            position: 'next',
            items: {
              abc123: [
                [20, 0],
                [7, 13],
              ],
            },
          }
        : { usagePlanId: 'plan-tight', startDate: '2026-03-08', endDate: '2026-03-10', items: { abc123: [[3, 17]] } };
    });
    const plans = new ApiGatewayKeyPlans({
      client,
      planIds: async () => ({ 'demo-tight': 'plan-tight' }),
      note: () => {},
    });
    const days = await plans.usage(KEY, findPlan('demo-tight')!, 3, NOW);
    expect(days).toEqual([
      { date: '2026-03-08', used: 20, remaining: 0 },
      { date: '2026-03-09', used: 7, remaining: 13 },
      { date: '2026-03-10', used: 3, remaining: 17 },
    ]);
    expect(sent[0].input).toMatchObject({
      usagePlanId: 'plan-tight',
      keyId: 'abc123',
      startDate: '2026-03-08',
      endDate: '2026-03-10',
    });
  });

  it('reports no remaining quota for a plan without one, and zero for days GetUsage leaves out', async () => {
    const { client } = stubClient(() => ({ items: {} }));
    const plans = new ApiGatewayKeyPlans({
      client,
      planIds: async () => ({ default: 'plan-default' }),
      note: () => {},
    });
    expect(await plans.usage(KEY, findPlan('default')!, 1, NOW)).toEqual([
      { date: '2026-03-10', used: 0, remaining: null },
    ]);
  });

  it('waits and retries a throttled CreateApiKey, and warns from 80 % of the account’s API keys', async () => {
    let throttled = 2;
    const notes: string[] = [];
    const waits: number[] = [];
    const { client, sent } = stubClient(({ name, input }) => {
      if (name === GetApiKeysCommand.name) {
        if (input.nameQuery) return { items: [] };
        // 17 pages of 500: 8,500 API keys, past 80 % of 10,000.
        const page = Number(input.position ?? 0) + 1;
        return { items: Array(500).fill({}), position: page < 17 ? String(page) : undefined };
      }
      if (name === CreateApiKeyCommand.name) {
        if (throttled-- > 0) return Object.assign(new Error('slow down'), { name: 'TooManyRequestsException' });
        return { id: 'new-key' };
      }
      return {};
    });
    const plans = new ApiGatewayKeyPlans({
      client,
      planIds: async () => ({ default: 'plan-default' }),
      note: (text) => notes.push(text),
      sleep: async (ms) => {
        waits.push(ms);
      },
    });
    expect(await plans.ensure({ keyId: 'key_0123456789abcdef', usageIdentifierKey: 'f'.repeat(40) })).toBe('new-key');
    expect(sent.filter((c) => c.name === CreateApiKeyCommand.name)).toHaveLength(3);
    expect(waits.length).toBeGreaterThanOrEqual(2);
    expect(notes).toEqual([expect.stringMatching(/has 8500 of its 10000 API Gateway API keys/)]);
  });
});
