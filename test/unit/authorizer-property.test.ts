import fc from 'fast-check';
import { servers } from '../../config/servers';
import { AuthorizerCore } from '../../lambdas/authorizer/authorizer';
import { parseAuthorizerEvent } from '../../lambdas/authorizer/event';
import { digestApiKey, generateApiKey, generateKeyId, keyHint } from '../../lambdas/keys/key-format';
import { KeyService } from '../../lambdas/keys/key-service';
import { createLogger } from '../../lambdas/shared/logger';
import { evaluatePolicy } from '../../local/iam';
import { authorizerEvent } from '../helpers/events';
import { MemoryKeyStore } from '../../lambdas/keys/memory-key-store';

const RUNS = 3000;

/**
 * Whatever headers arrive, the authorizer never lets a request through without a valid key
 * of the route's own server, and answers nothing but a policy or `Unauthorized`. The runs are
 * counted by outcome, so the property is shown to have met Allows and every kind of denial.
 */
describe('authorizer properties', () => {
  it('never allows a route without a valid key of its own server', async () => {
    const clock = { ms: Date.parse('2026-11-29T18:00:00Z') };
    const store = new MemoryKeyStore();
    const service = new KeyService({ store, servers, now: () => new Date(clock.ms) });
    const valid = {
      'demo-apikey': (await service.create({ server: 'demo-apikey' })).apiKey,
      'demo-passthrough': (await service.create({ server: 'demo-passthrough' })).apiKey,
    };
    const revoked = await service.create({ server: 'demo-apikey' });
    await service.revoke(revoked.record.keyId);
    const expired = (await service.create({ server: 'demo-passthrough', expiresInSeconds: 60 })).apiKey;
    // A record no KeyService would write: its server is not configured.
    const ghost = generateApiKey();
    await store.create({
      digest: digestApiKey(ghost),
      keyId: generateKeyId(),
      server: 'ghost',
      hint: keyHint(ghost),
      status: 'active',
      createdAt: new Date(clock.ms).toISOString(),
    });
    clock.ms += 61_000;
    const stored = [valid['demo-apikey'], valid['demo-passthrough'], revoked.apiKey, expired, ghost];

    const reasons: Record<string, number> = {};
    const authorizer = new AuthorizerCore({
      store,
      servers,
      cacheTtlSeconds: 60,
      clock: () => clock.ms,
      logger: createLogger('t', {
        sink: (line) => {
          const { decision, reason } = JSON.parse(line) as { decision: string; reason: string };
          reasons[`${decision}:${reason}`] = (reasons[`${decision}:${reason}`] ?? 0) + 1;
        },
      }),
    });

    const keyName = fc.constantFrom('x-api-key', 'X-Api-Key', 'X-API-KEY');
    const authName = fc.constantFrom('authorization', 'Authorization');
    const headerName = fc.oneof(keyName, authName, fc.constantFrom('x-api-keys', 'host'));
    const headerValue = fc.oneof(
      fc.string(),
      fc.constantFrom(...stored, '', ' ', 'Bearer x'),
      fc.constantFrom(...stored).map((k) => k.slice(0, -1) + (k.endsWith('A') ? 'B' : 'A')),
      fc.stringMatching(/^mcpg_[A-Za-z0-9_-]{32}$/),
    );
    const anyHeaders = fc.dictionary(headerName, headerValue, { maxKeys: 5 });
    // About one run in four carries a stored key under a real header name, with or without Authorization.
    const storedKeyHeaders = fc
      .tuple(
        keyName,
        fc.constantFrom(...stored),
        fc.option(fc.tuple(authName, fc.constant('Bearer t')), { nil: undefined }),
      )
      .map(([name, key, auth]) => ({ [name]: key, ...(auth ? { [auth[0]]: auth[1] } : {}) }));
    const headers = fc.oneof({ arbitrary: anyHeaders, weight: 3 }, { arbitrary: storedKeyHeaders, weight: 1 });

    const outcomes: Record<string, number> = {};
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('1.0', '2.0'),
        fc.constantFrom('public', 'apikey', 'passthrough'),
        headers,
        async (version, fixture, extra) => {
          const event = authorizerEvent(version as '1.0' | '2.0', fixture as 'apikey', {});
          Object.assign(event.headers as object, extra);
          if (version === '1.0') delete event.multiValueHeaders;
          const request = parseAuthorizerEvent(event)!;
          const outcome = await authorizer.authorize(request);
          if ('unauthorized' in outcome) {
            outcomes.unauthorized = (outcomes.unauthorized ?? 0) + 1;
            return;
          }

          const target = `demo-${fixture}` as keyof typeof valid;
          const allowed = evaluatePolicy(outcome.policy.policyDocument, request.arn) === 'allow';
          outcomes[allowed ? 'allow' : 'other-server'] = (outcomes[allowed ? 'allow' : 'other-server'] ?? 0) + 1;
          if (allowed) {
            const key = Object.entries(extra)
              .find(([n]) => n.toLowerCase() === 'x-api-key')?.[1]
              ?.trim();
            expect(key).toBe(valid[target]);
          }
          expect(outcome.policy.context?.server).toBe(Object.entries(valid).find(([, k]) => k === request.apiKey)?.[0]);
        },
      ),
      { numRuns: RUNS },
    );

    expect(outcomes.allow).toBeGreaterThan(0);
    expect(outcomes['other-server']).toBeGreaterThan(0);
    expect(outcomes.unauthorized).toBeGreaterThan(0);
    expect((outcomes.allow ?? 0) + (outcomes['other-server'] ?? 0) + (outcomes.unauthorized ?? 0)).toBe(RUNS);
    const unseen = [
      'allow:valid-key',
      'allow:key-of-other-server',
      'deny:key-of-other-server',
      'unauthorized:missing-key',
      'unauthorized:malformed-key',
      'unauthorized:missing-authorization',
      'unauthorized:unknown-key',
      'unauthorized:revoked-key',
      'unauthorized:expired-key',
      'unauthorized:key-server-not-configured',
    ].filter((reason) => !(reasons[reason] > 0));
    expect(unseen).toEqual([]);
  });
});
