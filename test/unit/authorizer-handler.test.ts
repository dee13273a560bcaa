import { servers } from '../../config/servers';
import { authorizerHandlerFromEnv, createAuthorizerHandler } from '../../lambdas/authorizer/handler';
import { digestApiKey } from '../../lambdas/keys/key-format';
import { KeyService } from '../../lambdas/keys/key-service';
import type { KeyRecord } from '../../lambdas/keys/key-store';
import { MemoryKeyStore } from '../../lambdas/keys/memory-key-store';
import { ConfigError, KeyStoreUnavailableError } from '../../lambdas/shared/errors';
import { createLogger } from '../../lambdas/shared/logger';
import { evaluatePolicy } from '../../local/iam';
import { authorizerEvent } from '../helpers/events';

const NOW = Date.parse('2026-11-29T18:00:00Z');

async function setup(store = new MemoryKeyStore()) {
  const clock = { ms: NOW };
  const logs: Record<string, unknown>[] = [];
  const { apiKey } = await new KeyService({ store, servers, now: () => new Date(clock.ms) }).create({
    server: 'demo-apikey',
  });
  const handler = createAuthorizerHandler({
    store,
    servers,
    clock: () => clock.ms,
    logger: createLogger('authorizer', { sink: (line) => logs.push(JSON.parse(line)) }),
  });
  return { store, clock, logs, apiKey, handler };
}

describe('createAuthorizerHandler', () => {
  it('answers the Allow policy of a valid key, in both payload versions', async () => {
    const { apiKey, handler } = await setup();
    for (const version of ['1.0', '2.0'] as const) {
      const event = authorizerEvent(version, 'apikey', { apiKey });
      const policy = await handler(event as never);
      expect(evaluatePolicy(policy.policyDocument, (event.methodArn ?? event.routeArn) as string)).toBe('allow');
    }
  });

  it('throws Unauthorized for a refused key and for an event of neither payload version, logging the request id', async () => {
    const { handler, logs } = await setup();
    await expect(handler(authorizerEvent('1.0', 'apikey', {}) as never)).rejects.toThrow(/^Unauthorized$/);
    await expect(handler({ requestContext: { requestId: 'req-1' } } as never)).rejects.toThrow(/^Unauthorized$/);
    await expect(handler(null as never)).rejects.toThrow(/^Unauthorized$/);
    expect(logs).toEqual([
      expect.objectContaining({ reason: 'missing-key', requestId: '6c1bd4f0-1c5a-4f0e-9d61-5f0a7c2a9b10' }),
      expect.objectContaining({ reason: 'unrecognised-event', requestId: 'req-1' }),
      expect.objectContaining({ reason: 'unrecognised-event' }),
    ]);
  });

  it('lets a key store outage through as KeyStoreUnavailableError (API Gateway answers 500), never Unauthorized', async () => {
    const { handler, store, apiKey } = await setup();
    store.down = true;
    await expect(handler(authorizerEvent('1.0', 'apikey', { apiKey }) as never)).rejects.toBeInstanceOf(
      KeyStoreUnavailableError,
    );
  });

  it("settle() waits for the pending lastUsedAt write, with the injected clock's time", async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    class SlowTouchStore extends MemoryKeyStore {
      override async touch(digest: string, at: Date): Promise<void> {
        await gate;
        return super.touch(digest, at);
      }
    }
    const { handler, store, apiKey, clock } = await setup(new SlowTouchStore());
    clock.ms += 5_000;
    await handler(authorizerEvent('1.0', 'apikey', { apiKey }) as never);

    let settled = false;
    const settling = handler.core.settle().then(() => (settled = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(settled).toBe(false);

    release();
    await settling;
    const record = store.records.get(digestApiKey(apiKey)) as KeyRecord;
    expect(record.lastUsedAt).toBe(new Date(NOW + 5_000).toISOString());
  });
});

describe('authorizerHandlerFromEnv', () => {
  it('names the missing variable', () => {
    expect(() => authorizerHandlerFromEnv({})).toThrow(ConfigError);
    expect(() => authorizerHandlerFromEnv({})).toThrow(/KEYS_TABLE_NAME/);
    expect(() => authorizerHandlerFromEnv({ KEYS_TABLE_NAME: 't', AUTH_CACHE_TTL_SECONDS: 'soon' })).toThrow(
      /AUTH_CACHE_TTL_SECONDS/,
    );
  });
});
