import type { APIGatewayAuthorizerResult } from 'aws-lambda';
import { createLogger } from '../../lambdas/shared/logger';
import { cachedAuthorizer, callIntegration, loadedOnFirstCall } from '../../local/gateway';

const allow: APIGatewayAuthorizerResult = {
  principalId: 'k-1',
  policyDocument: {
    Version: '2012-10-17',
    Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: '*' }],
  },
};

/** An authorizer whose answers come from `answer`, with a clock the test moves and the log lines it wrote. */
function probe(cacheTtlSeconds: number, answer: (call: number) => unknown) {
  let now = 1_000_000;
  let calls = 0;
  let loads = 0;
  const lines: Record<string, unknown>[] = [];
  const authorizer = cachedAuthorizer({
    cacheTtlSeconds,
    nowMs: () => now,
    logger: createLogger('gateway', { sink: (line) => lines.push(JSON.parse(line) as Record<string, unknown>) }),
    loadAuthorizer: async () => {
      loads += 1;
      return (async () => answer(++calls)) as never;
    },
  });
  const events: string[] = [];
  const ask = (key: string) =>
    authorizer.policy(
      key,
      () => {
        events.push(key);
        return { key };
      },
      { requestId: `r-${key}` },
    );
  return {
    ask,
    authorizer,
    events,
    lines,
    advance: (ms: number) => (now += ms),
    calls: () => calls,
    loads: () => loads,
  };
}

describe('the local gateways’ authorizer cache', () => {
  it('keeps a policy by its key for the TTL, builds the event only on a miss, and loads the authorizer once', async () => {
    const p = probe(60, () => allow);

    const first = await p.ask('a');
    const hit = await p.ask('a');
    const other = await p.ask('b');
    p.advance(60_000);
    const expired = await p.ask('a');

    expect([first, hit, other, expired]).toEqual([allow, allow, allow, allow]);
    expect(p.events).toEqual(['a', 'b', 'a']);
    expect(p.calls()).toBe(3);
    expect(p.loads()).toBe(1);
    expect(p.authorizer.size()).toBe(2);
  });

  it('keeps nothing at TTL 0', async () => {
    const p = probe(0, () => allow);

    await p.ask('a');
    await p.ask('a');

    expect(p.calls()).toBe(2);
    expect(p.authorizer.size()).toBe(0);
  });

  it('says unauthorized for a thrown Unauthorized, failed (logged, without the event) otherwise, and caches neither', async () => {
    const p = probe(60, (call) => {
      if (call === 1) throw new Error('Unauthorized');
      if (call === 2) throw new Error('table unreachable');
      if (call === 3) return { principalId: 'no policy' };
      return allow;
    });

    const outcomes = [await p.ask('a'), await p.ask('a'), await p.ask('a'), await p.ask('a')];

    expect(outcomes).toEqual(['unauthorized', 'failed', 'failed', allow]);
    expect(p.lines.map((line) => [line.message, line.requestId, line.errorMessage])).toEqual([
      ['authorizer failed', 'r-a', 'table unreachable'],
      ['authorizer returned a malformed result', 'r-a', undefined],
    ]);
    expect(JSON.stringify(p.lines)).not.toContain('"key"');
  });
});

describe('loadedOnFirstCall', () => {
  it('loads the function on its first call only, and not before', async () => {
    let loads = 0;
    const fn = loadedOnFirstCall(async () => {
      loads += 1;
      return async (event: number) => event * 2;
    });

    expect(loads).toBe(0);
    expect(await Promise.all([fn(1), fn(2)])).toEqual([2, 4]);
    expect(await fn(3)).toBe(6);
    expect(loads).toBe(1);
  });
});

describe('callIntegration', () => {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger('gateway', { sink: (line) => lines.push(JSON.parse(line) as Record<string, unknown>) });

  it('passes a result on; a throw or a result without a status code is failed, a throw logged; a late one is timeout', async () => {
    const ok = { statusCode: 200, body: 'ok' };

    const outcomes = await Promise.all([
      callIntegration(async () => ok, 'e', 1_000, logger, { requestId: 'r-ok' }),
      callIntegration(
        async () => {
          throw new Error('handler crashed');
        },
        'e',
        1_000,
        logger,
        { requestId: 'r-throw' },
      ),
      callIntegration(async () => ({ body: 'no status' }), 'e', 1_000, logger, { requestId: 'r-bad' }),
      callIntegration(() => new Promise<never>(() => undefined), 'e', 5, logger, { requestId: 'r-slow' }),
    ]);

    expect(outcomes).toEqual([ok, 'failed', 'failed', 'timeout']);
    expect(lines.map((line) => [line.message, line.requestId, line.errorMessage])).toEqual([
      ['integration failed', 'r-throw', 'handler crashed'],
    ]);
  });
});
