import fc from 'fast-check';
import { servers } from '../../config/servers';
import { KeyAuthorizer } from '../../lambdas/authorizer/authorizer';
import { parseAuthorizerEvent } from '../../lambdas/authorizer/event';
import { KeyService } from '../../lambdas/keys/key-service';
import { createLogger } from '../../lambdas/shared/logger';
import { evaluatePolicy } from '../../local/iam';
import { authorizerEvent } from '../helpers/events';
import { MemoryKeyStore } from '../../lambdas/keys/memory-key-store';

/**
 * Whatever headers arrive, the authorizer never lets a request through without a valid key
 * of the route's own server, and answers nothing but a policy or `Unauthorized`.
 */
describe('authorizer properties', () => {
  it('never allows a route without a valid key of its own server', async () => {
    const store = new MemoryKeyStore();
    const service = new KeyService({ store, servers });
    const valid = {
      'demo-apikey': (await service.create({ server: 'demo-apikey' })).apiKey,
      'demo-passthrough': (await service.create({ server: 'demo-passthrough' })).apiKey,
    };
    const authorizer = new KeyAuthorizer({
      store,
      servers,
      cacheTtlSeconds: 60,
      logger: createLogger('t', { sink: () => {} }),
    });

    const headerName = fc.constantFrom(
      'x-api-key',
      'X-Api-Key',
      'X-API-KEY',
      'authorization',
      'Authorization',
      'x-api-keys',
      'host',
    );
    const headerValue = fc.oneof(
      fc.string(),
      fc.constantFrom(valid['demo-apikey'], valid['demo-passthrough'], '', ' ', 'Bearer x'),
      fc.constantFrom(valid['demo-apikey'], valid['demo-passthrough']).map((k) => k.slice(0, -1) + 'A'),
      fc.stringMatching(/^mcpg_[A-Za-z0-9_-]{32}$/),
    );
    const headers = fc.dictionary(headerName, headerValue, { maxKeys: 5 });

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
          if ('unauthorized' in outcome) return;

          const target = `demo-${fixture}` as keyof typeof valid;
          const allowed = evaluatePolicy(outcome.policy.policyDocument, request.arn) === 'allow';
          if (allowed) {
            const key = Object.entries(extra)
              .find(([n]) => n.toLowerCase() === 'x-api-key')?.[1]
              ?.trim();
            expect(key).toBe(valid[target]);
          }
          expect(outcome.policy.context?.server).toBe(Object.entries(valid).find(([, k]) => k === request.apiKey)?.[0]);
        },
      ),
      { numRuns: 3000 },
    );
  });
});
